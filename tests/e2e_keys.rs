//! A config that moves the keys, through the real binary in tmux: the key
//! bar, the key guide and the help offer all name the keys `[keys]` binds,
//! and those keys answer (the texts come from the same phrases the voice
//! says, named from the same key map by `kiosk run`).

mod common;

use common::kiosk::*;

const ASK: &str = "お茶を飲みますか？";
const HOW_TO: &str = "お茶の入れ方です。";

// See: after a [keys] remap the prompts named keys that did nothing.
#[test]
fn a_remapped_key_map_is_named_on_screen_and_answers() {
    let flow = fixture("flow.toml");
    let config = "[keys]\nyes = [\"5\"]\nhelp = [\"F1\"]\n";
    let mut k = Kiosk::start(&["--flow", &flow], config);
    k.settled(&[ASK, "5  はい", "2  いいえ", "F1  ヘルプ"]);
    // The old yes key does nothing; the new one answers.
    k.press("1");
    k.step("5", &[HOW_TO, "5  次へ"], &[ASK]);
    k.step(
        "F1",
        &["5 はい・次へ", "F1 もう一度押すと係の者を呼びます"],
        &["1 はい・次へ", "9 もう一度押すと"],
    );
    // Closing the guide with a repeat, then two more repeats: the help
    // offer names the help key.
    k.step("0", &[HOW_TO], &["F1 もう一度押すと"]);
    k.step("0", &[HOW_TO], &[]);
    k.step("0", &["わからないときは F1 を押してください。"], &[]);
    k.assert_alive();
}
