#ifndef HEDGEOPS_CEDITLINE_SHIM_H
#define HEDGEOPS_CEDITLINE_SHIM_H
// libedit's own headers, named explicitly: <readline/readline.h> may be GNU
// readline's on some machines. Only the native EditLine
// API is used: readline's compatibility layer installs its own SIGINT
// handling, which made Ctrl-C at the prompt unreliable.
#include <stdio.h>
#include <wchar.h>
#include <sys/ioctl.h>
#include <histedit.h>

/// An editor on the standard streams (stdin/stdout are C globals Swift 6
/// will not touch).
static inline EditLine *hedgeops_el_init(const char *program) {
    return el_init(program, stdin, stdout, stderr);
}
/// Non-variadic wrappers: Swift cannot call el_set or history directly.
static inline int hedgeops_el_set_prompt(EditLine *el, char *(*prompt)(EditLine *)) {
    return el_set(el, EL_PROMPT, prompt);
}
static inline int hedgeops_el_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
}
static inline int hedgeops_el_set_signal(EditLine *el, int handle) {
    return el_set(el, EL_SIGNAL, handle);
}
static inline int hedgeops_el_set_getcfn(EditLine *el, el_rfunc_t function) {
    return el_set(el, EL_GETCFN, function);
}
static inline int hedgeops_el_addfn(EditLine *el, const char *name, const char *help,
                                    unsigned char (*function)(EditLine *, int)) {
    return el_set(el, EL_ADDFN, name, help, function);
}
static inline int hedgeops_el_bind(EditLine *el, const char *key, const char *function) {
    return el_set(el, EL_BIND, key, function, NULL);
}
/// Redraws prompt and line from the cursor's row, as if on a blank screen.
static inline int hedgeops_el_refresh(EditLine *el) {
    return el_set(el, EL_REFRESH);
}
/// Cooked mode (between reads) without echo: a line typed ahead while the
/// session is busy is not echoed by the terminal, where it could not be
/// redacted; libedit shows it once it reads it.
static inline int hedgeops_el_set_quiet_cooked_mode(EditLine *el) {
    return el_set(el, EL_SETTY, "-x", "-echo", NULL);
}
static inline int hedgeops_el_set_history(EditLine *el, History *h) {
    return el_set(el, EL_HIST, history, h);
}
static inline int hedgeops_history_enter(History *h, HistEvent *ev, const char *line) {
    return history(h, ev, H_ENTER, line);
}
static inline int hedgeops_history_setsize(History *h, HistEvent *ev, int size) {
    return history(h, ev, H_SETSIZE, size);
}
static inline int hedgeops_history_setunique(History *h, HistEvent *ev, int unique) {
    return history(h, ev, H_SETUNIQUE, unique);
}
static inline int hedgeops_history_save(History *h, HistEvent *ev, const char *path) {
    return history(h, ev, H_SAVE, path);
}
static inline int hedgeops_history_load(History *h, HistEvent *ev, const char *path) {
    return history(h, ev, H_LOAD, path);
}
/// The terminal's width in columns (0 when unknown); ioctl is variadic.
static inline int hedgeops_terminal_columns(int fd) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return 0;
    return size.ws_col;
}
#endif
