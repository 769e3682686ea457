//! Spool files on their own: places, takeover, stale copies.

use super::*;

fn record(n: u64) -> Record {
    Record {
        v: 1,
        flow: "f".into(),
        flow_hash: "0011aabb".into(),
        kiosk: "counter".into(),
        hour: "2026-11-30T23".into(),
        lang: "ja".into(),
        outcome: "resolved".into(),
        end: "done".into(),
        steps: Vec::new(),
        help: 0,
        back: 0,
        duration_ms: n,
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|e| {
            e.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn durations(adopted: &[Adopted]) -> Vec<Vec<u64>> {
    adopted
        .iter()
        .map(|a| a.records.iter().map(|r| r.duration_ms).collect())
        .collect()
}

#[test]
fn a_saved_spool_is_whole_locked_and_removed_when_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let places = Places::new(&tmp.path().join("journal"), None);
    let mut spool = Spool::new_own();
    let records = [record(1), record(2)];
    spool.save(&places, records.iter(), None).unwrap();
    let path = spool.path().unwrap().to_path_buf();
    assert_eq!(path.parent().unwrap(), tmp.path().join("journal"));
    let text = fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with(r#"{"counter_kiosk_spool":1,"journal":""#));
    assert_eq!(lines[1], record(1).to_line());
    // Its owner holds the lock: nobody else may take it.
    let other = File::open(&path).unwrap();
    assert!(!try_lock_exclusive(&other).unwrap());
    assert!(adopt(&places).is_empty());

    spool.save(&places, [].iter(), None).unwrap();
    assert!(spool.path().is_none());
    assert_eq!(names(&tmp.path().join("journal")), Vec::<String>::new());
}

#[test]
fn a_dead_writers_spool_is_taken_over_and_a_stale_copy_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    let places = Places::new(&journal, None);
    let mut spool = Spool::new_own();
    spool.save(&places, [record(1)].iter(), None).unwrap();
    let old = spool.path().unwrap().to_path_buf();
    // A copy left in the parent with a higher seq (as if the journal
    // directory failed on a later save and the old copy stayed).
    let stale = fs::read(&old).unwrap();
    spool.seq += 5;
    spool
        .save(&places, [record(1), record(2)].iter(), None)
        .unwrap();
    fs::rename(
        spool.path().unwrap(),
        tmp.path().join(old.file_name().unwrap()),
    )
    .unwrap();
    fs::write(&old, stale).unwrap();
    drop(spool);

    let adopted = adopt(&places);
    assert_eq!(durations(&adopted), [vec![1, 2]]);
    assert!(!old.exists(), "the older copy is deleted");
}

#[test]
fn spools_of_other_journals_and_live_temp_files_are_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("shared");
    // Both journals' directories and their parent refuse (under a regular
    // file), so both spool in `shared`.
    fs::write(tmp.path().join("afile"), "").unwrap();
    let mine = Places::new(&tmp.path().join("afile/a"), Some(shared.clone()));
    let theirs = Places::new(&tmp.path().join("afile/b"), Some(shared.clone()));
    let mut spool = Spool::new_own();
    spool.save(&theirs, [record(9)].iter(), None).unwrap();
    assert_eq!(spool.path().unwrap().parent().unwrap(), shared);
    drop(spool);
    // A temp file of a writer mid-save (locked) and one of a dead writer.
    let live = shared.join("journal-spool-live.tmp");
    let live_file = File::create(&live).unwrap();
    assert!(try_lock_exclusive(&live_file).unwrap());
    let dead = shared.join("journal-spool-dead.tmp");
    fs::write(&dead, "{").unwrap();

    assert!(adopt(&mine).is_empty());
    assert!(live.exists());
    assert!(!dead.exists());
    assert_eq!(durations(&adopt(&theirs)), [vec![9]]);
}

#[test]
fn a_fallback_that_is_not_private_is_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("afile"), "").unwrap();
    let fallback = tmp.path().join("open");
    fs::create_dir(&fallback).unwrap();
    fs::set_permissions(&fallback, fs::Permissions::from_mode(0o777)).unwrap();
    let places = Places::new(&tmp.path().join("afile/journal"), Some(fallback.clone()));
    let mut spool = Spool::new_own();
    let error = spool.save(&places, [record(1)].iter(), None).unwrap_err();
    assert!(error.contains("not a private directory"), "{error}");

    fs::set_permissions(&fallback, fs::Permissions::from_mode(0o700)).unwrap();
    spool.save(&places, [record(1)].iter(), None).unwrap();
    assert_eq!(spool.path().unwrap().parent().unwrap(), fallback);
}

#[test]
fn the_default_fallback_is_per_user_in_var_tmp() {
    let path = default_spool_fallback().unwrap();
    let name = path.to_string_lossy().into_owned();
    assert!(name.starts_with("/var/tmp/counter-kiosk-"), "{name}");
    let uid = fs::metadata("/proc/self").unwrap().uid();
    assert_eq!(name, format!("/var/tmp/counter-kiosk-{uid}"));
}

#[test]
fn a_fallback_that_is_the_parent_is_scanned_once() {
    let tmp = tempfile::tempdir().unwrap();
    // The journal directory cannot be made (a file is there), so the
    // spool goes to the parent, which is also the fallback.
    let journal = tmp.path().join("jfile");
    fs::write(&journal, "").unwrap();
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
    let places = Places::new(&journal, Some(tmp.path().to_path_buf()));
    let mut spool = Spool::new_own();
    spool.save(&places, [record(4)].iter(), None).unwrap();
    let path = spool.path().unwrap().to_path_buf();
    assert_eq!(path.parent().unwrap(), tmp.path());
    drop(spool);

    // Seen twice, it would look like its own stale copy and be deleted.
    let adopted = adopt(&places);
    assert_eq!(durations(&adopted), [vec![4]]);
    assert!(path.exists());
}

#[test]
fn records_already_in_the_journal_at_the_noted_place_are_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let journal = tmp.path().join("journal");
    fs::create_dir(&journal).unwrap();
    let file = journal.join("journal-2026-11.jsonl");
    // Another kiosk's line, then (at the noted offset) the first record
    // whole and the second missing only its newline.
    let other = format!("{}\n", record(100).to_line());
    fs::write(
        &file,
        format!("{other}{}\n{}", record(1).to_line(), record(2).to_line()),
    )
    .unwrap();
    let meta = fs::metadata(&file).unwrap();
    let places = Places::new(&journal, None);
    let intent = Intent {
        file: "journal-2026-11.jsonl".into(),
        dev: meta.dev(),
        ino: meta.ino(),
        offset: other.len() as u64,
        count: 3,
    };
    let mut spool = Spool::new_own();
    let records = [record(1), record(2), record(3), record(4)];
    spool.save(&places, records.iter(), Some(&intent)).unwrap();
    drop(spool);
    let adopted = adopt(&places);
    assert_eq!(durations(&adopted), [vec![3, 4]]);
    assert!(adopted[0].stale);

    // Another file at that name (rotated since): nothing is dropped.
    let Adopted { mut spool, .. } = adopt_one(adopted);
    let moved = Intent {
        ino: meta.ino() + 1,
        ..intent
    };
    spool.save(&places, records.iter(), Some(&moved)).unwrap();
    drop(spool);
    assert_eq!(durations(&adopt(&places)), [vec![1, 2, 3, 4]]);
}

fn adopt_one(mut adopted: Vec<Adopted>) -> Adopted {
    assert_eq!(adopted.len(), 1);
    adopted.remove(0)
}
