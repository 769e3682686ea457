# shellcheck shell=bash
# What the install scripts say to the shop owner, in the owner's language:
# the [install] section of messages/ja.toml or messages/en.toml, the same
# tables `kiosk doctor` and `kiosk check` read (a test in
# src/messages/tests.rs holds every key used here to the tables). Sourced,
# not run.
#
#   messages_init "$@"      the language: --lang ja|en among the arguments,
#                           else LC_ALL, LC_MESSAGES, LANG (the first set and
#                           not empty); Japanese when it is ja*, else English
#   say KEY NAME=VALUE ...  prints "SCRIPT: " and the entry install.KEY (the
#                           key is written whole) with each {NAME} filled
#   say_err KEY ...         the same on standard error
#
# A missing table or key falls back to English, then to the key itself, so
# a broken table never stops an install. Only {NAME} is filled: the
# install messages write no literal brace.

MESSAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../messages" 2>/dev/null && pwd || true)"
MESSAGES_LANG=en

# The language of a locale name or code: ja for ja, ja_JP.UTF-8, ja-JP, ...
messages_lang_of() {
    case "${1:-}" in
    ja | ja[_.@-]* | JA | JA[_.@-]*) echo ja ;;
    *) echo en ;;
    esac
}

messages_init() {
    local locale="" v
    for v in "${LC_ALL:-}" "${LC_MESSAGES:-}" "${LANG:-}"; do
        if [ -n "$v" ]; then locale="$v"; break; fi
    done
    MESSAGES_LANG="$(messages_lang_of "$locale")"
    while [ $# -gt 0 ]; do
        case "$1" in
        --lang) MESSAGES_LANG="$(messages_lang_of "${2:-}")"; shift ;;
        --lang=*) MESSAGES_LANG="$(messages_lang_of "${1#*=}")" ;;
        esac
        shift
    done
}

# messages_lookup FILE SECTION NAME: the entry's text, unescaped; fails
# when the file or the entry is not there.
messages_lookup() {
    local file="$1" section="$2" name="$3" line in=0 text
    [ -n "$MESSAGES_DIR" ] && [ -r "$file" ] || return 1
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in
        "[$section]"*) in=1; continue ;;
        "["*) in=0; continue ;;
        esac
        [ "$in" = 1 ] || continue
        case "$line" in
        "$name = \""*)
            text="${line#"$name = \""}"
            text="${text%\"*}"
            text="${text//\\\\/$'\001'}"
            text="${text//\\\"/\"}"
            text="${text//\\n/$'\n'}"
            text="${text//$'\001'/\\}"
            printf '%s' "$text"
            return 0
            ;;
        esac
    done <"$file"
    return 1
}

# messages_text KEY NAME=VALUE ...: the message in the language.
messages_text() {
    local key="$1" section name text arg
    shift
    section="${key%%.*}"
    name="${key#*.}"
    text="$(messages_lookup "$MESSAGES_DIR/$MESSAGES_LANG.toml" "$section" "$name")" ||
        text="$(messages_lookup "$MESSAGES_DIR/en.toml" "$section" "$name")" ||
        text="$key${*:+ $*}"
    for arg in "$@"; do
        case "$arg" in
        *=*) text="${text//"{${arg%%=*}}"/"${arg#*=}"}" ;;
        esac
    done
    printf '%s\n' "$text"
}

say() {
    local text
    text="$(messages_text "$@")"
    printf '%s: %s\n' "$(basename "$0")" "$text"
}

say_err() {
    say "$@" >&2
}
