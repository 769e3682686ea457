//! The report's own headings, in Japanese and English (`--lang`).

use super::summary::Lang;

pub struct Words {
    pub title: &'static str,
    pub sessions: &'static str,
    pub period: &'static str,
    pub flows: &'static str,
    pub kiosks: &'static str,
    pub skipped: &'static str,
    pub unknown: &'static str,
    pub outcomes: &'static str,
    pub funnel: &'static str,
    pub sticking: &'static str,
    pub weeks: &'static str,
    pub hours: &'static str,
    pub step: &'static str,
    pub reached: &'static str,
    pub stopped: &'static str,
    pub no: &'static str,
    pub repeats: &'static str,
    pub help: &'static str,
    pub median: &'static str,
    pub score: &'static str,
    pub none_ranked: &'static str,
    pub week_of: &'static str,
    /// The take-home sheets' table (issue 16): heading and columns.
    pub sheets: &'static str,
    pub sheet: &'static str,
    pub offered: &'static str,
    pub declined: &'static str,
    pub printed: &'static str,
    pub print_failed: &'static str,
}

pub const JA: Words = Words {
    title: "カウンター案内の報告",
    sessions: "利用数",
    period: "期間",
    flows: "案内",
    kiosks: "端末",
    skipped: "読めない行",
    unknown: "不明な版の行",
    outcomes: "結果",
    funnel: "段階ごとの到達数",
    sticking: "つまずきやすい所（悪い順）",
    weeks: "週ごとの利用数",
    hours: "時間帯ごとの利用数",
    step: "手順",
    reached: "到達",
    stopped: "中断",
    no: "いいえ",
    repeats: "くり返し",
    help: "ヘルプ",
    median: "中央値",
    score: "点",
    none_ranked: "順位をつけられる手順がありません。",
    week_of: "週の始め",
    sheets: "持ち帰り用紙の印刷",
    sheet: "用紙",
    offered: "案内",
    declined: "不要",
    printed: "印刷",
    print_failed: "失敗",
};

pub const EN: Words = Words {
    title: "Counter kiosk report",
    sessions: "Sessions",
    period: "Period",
    flows: "Flows",
    kiosks: "Kiosks",
    skipped: "Unreadable lines",
    unknown: "Lines of an unknown version",
    outcomes: "Outcomes",
    funnel: "Stage funnel (sessions that reached each stage)",
    sticking: "Sticking points (worst first)",
    weeks: "Sessions per week",
    hours: "Sessions by hour of day",
    step: "Step",
    reached: "reached",
    stopped: "stopped",
    no: "no",
    repeats: "repeats",
    help: "help",
    median: "median",
    score: "score",
    none_ranked: "No step has enough sessions to rank.",
    week_of: "week of",
    sheets: "Take-home sheets",
    sheet: "Sheet",
    offered: "offered",
    declined: "declined",
    printed: "printed",
    print_failed: "failed",
};

pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Ja => &JA,
        Lang::En => &EN,
    }
}

/// "Counts below 5 are shown as <5." in the report's language, and what a
/// "*" is.
pub fn k_note(lang: Lang, k: u64) -> String {
    match lang {
        Lang::Ja => format!("{k} 未満の数は「<{k}」、それを割り出せる数は「*」と表示しています。"),
        Lang::En => format!(
            "Counts below {k} are shown as \"<{k}\"; \"*\" hides a count that would give one away."
        ),
    }
}

/// Said instead of a breakdown when a report has fewer than k sessions.
pub fn too_few(lang: Lang, k: u64) -> String {
    match lang {
        Lang::Ja => format!("利用が {k} 件未満のため、内訳は表示しません。"),
        Lang::En => format!("Fewer than {k} sessions: no breakdown is shown."),
    }
}
