#ifndef HEDGEOPS_CEDITLINE_SHIM_H
#define HEDGEOPS_CEDITLINE_SHIM_H
// libedit's own headers, named explicitly: <readline/readline.h> may be GNU
// readline's on some machines (see REFERENCE.md).
#include <stdio.h>
#include <histedit.h>
#include <editline/readline.h>

/// Non-variadic wrappers: Swift cannot call el_set or history directly.
static inline int hedgeops_el_set_prompt(EditLine *el, char *(*prompt)(EditLine *)) {
    return el_set(el, EL_PROMPT, prompt);
}
static inline int hedgeops_el_set_editor(EditLine *el, const char *mode) {
    return el_set(el, EL_EDITOR, mode);
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
static inline int hedgeops_history_save(History *h, HistEvent *ev, const char *path) {
    return history(h, ev, H_SAVE, path);
}
static inline int hedgeops_history_load(History *h, HistEvent *ev, const char *path) {
    return history(h, ev, H_LOAD, path);
}
/// Installs the completion function (readline globals are not
/// concurrency-safe to touch from Swift 6).
static inline void hedgeops_set_completion(rl_completion_func_t *function) {
    rl_attempted_completion_function = function;
    rl_completion_append_character = ' ';
}
#endif
