//! The terminal edge: naming crossterm's key events the way the key map,
//! the config and the trace spell them, and putting the terminal into and
//! out of kiosk mode on every exit path.

use std::io::{self, Stdout};
use std::thread::ThreadId;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type KioskTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Kiosk mode on the real terminal: raw mode (so Ctrl-C, Ctrl-Z and Ctrl-\
/// arrive as keys, not signals), the alternate screen, no cursor. Dropping
/// the guard restores the terminal, on every exit path but a hard kill.
pub struct TerminalGuard {
    pub terminal: KioskTerminal,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        enable_raw_mode()?;
        let entered = execute!(io::stdout(), EnterAlternateScreen, Hide)
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match entered {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as the shell had it. Safe to call twice; errors
/// are ignored, there being nowhere left to report them.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}

/// A panic on the UI thread restores the terminal *before* the panic is
/// printed (to stderr, which is the log file while the kiosk runs). A panic
/// on another thread leaves the screen alone: the kiosk goes on.
pub fn install_panic_hook(ui_thread: ThreadId) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui_thread {
            restore();
        }
        previous(info);
    }));
}

/// The key's name (`1`, `a`, `Enter`, `Space`, `PageUp`, `Ctrl-c`, …), or
/// `None` for a release event or a key with no name (media keys, …).
pub fn key_name(event: &KeyEvent) -> Option<String> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let base = match event.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "BackTab".into(),
        KeyCode::Up => "Up".into(),
        KeyCode::Down => "Down".into(),
        KeyCode::Left => "Left".into(),
        KeyCode::Right => "Right".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PageUp".into(),
        KeyCode::PageDown => "PageDown".into(),
        KeyCode::Insert => "Insert".into(),
        KeyCode::Delete => "Delete".into(),
        KeyCode::KeypadBegin => "Begin".into(),
        KeyCode::F(n) if (1..=12).contains(&n) => format!("F{n}"),
        _ => return None,
    };
    let control = event.modifiers.contains(KeyModifiers::CONTROL);
    // Terminals send Ctrl-\ ] ^ _ as the bytes 0x1c-0x1f, which crossterm
    // reads back as Ctrl-4 to Ctrl-7: name them as they were typed.
    let base = match (control, base.as_str()) {
        (true, "4") => "\\".to_string(),
        (true, "5") => "]".to_string(),
        (true, "6") => "^".to_string(),
        (true, "7") => "_".to_string(),
        _ => base,
    };
    let prefix = if control {
        "Ctrl-"
    } else if event.modifiers.contains(KeyModifiers::ALT) {
        "Alt-"
    } else {
        ""
    };
    Some(format!("{prefix}{base}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> Option<String> {
        key_name(&KeyEvent::new(code, modifiers))
    }

    #[test]
    fn keys_are_named_as_the_key_map_spells_them() {
        assert_eq!(
            press(KeyCode::Char('1'), KeyModifiers::NONE).as_deref(),
            Some("1")
        );
        assert_eq!(
            press(KeyCode::Char(' '), KeyModifiers::NONE).as_deref(),
            Some("Space")
        );
        assert_eq!(
            press(KeyCode::Char('+'), KeyModifiers::SHIFT).as_deref(),
            Some("+")
        );
        assert_eq!(
            press(KeyCode::Enter, KeyModifiers::NONE).as_deref(),
            Some("Enter")
        );
        assert_eq!(
            press(KeyCode::PageUp, KeyModifiers::NONE).as_deref(),
            Some("PageUp")
        );
        assert_eq!(
            press(KeyCode::F(12), KeyModifiers::NONE).as_deref(),
            Some("F12")
        );
        assert_eq!(
            press(KeyCode::Char('c'), KeyModifiers::CONTROL).as_deref(),
            Some("Ctrl-c")
        );
        assert_eq!(
            press(KeyCode::Char('\\'), KeyModifiers::CONTROL).as_deref(),
            Some("Ctrl-\\")
        );
        // A terminal sends Ctrl-\ as 0x1c, which crossterm reads as Ctrl-4.
        assert_eq!(
            press(KeyCode::Char('4'), KeyModifiers::CONTROL).as_deref(),
            Some("Ctrl-\\")
        );
        assert_eq!(press(KeyCode::Null, KeyModifiers::NONE), None);
    }

    #[test]
    fn key_releases_are_not_presses() {
        let mut event = KeyEvent::new(KeyCode::Char('1'), KeyModifiers::NONE);
        event.kind = KeyEventKind::Release;
        assert_eq!(key_name(&event), None);
    }

    #[test]
    fn every_named_key_is_a_valid_config_key_name() {
        for code in [
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Backspace,
            KeyCode::Up,
            KeyCode::Insert,
            KeyCode::Delete,
            KeyCode::KeypadBegin,
            KeyCode::F(1),
            KeyCode::Char(' '),
            KeyCode::Char('*'),
        ] {
            let name = press(code, KeyModifiers::NONE).unwrap();
            assert!(crate::input::is_key_name(&name), "{name}");
        }
    }
}
