/* ---------------------------------------------------------------------------------------
 * procdsl's values in C: how each kind of value is shown (as `print` writes it), the
 * arithmetic that faults where procdsl faults, lists, and the arguments `exec` passes.
 * ------------------------------------------------------------------------------------- */
static const char *pd_bool(long v) { return v ? "true" : "false"; }

static const char *pd_dur(long ns) {
    /* as procdsl writes a duration: 0ns, 250ns, 1.5us, 50.5ms, 2s */
    static const struct { const char *unit; long size; int digits; } units[] = {
        {"s", 1000000000L, 9}, {"ms", 1000000L, 6}, {"us", 1000L, 3}};
    unsigned long a = ns < 0 ? 0UL - (unsigned long)ns : (unsigned long)ns;
    for (int i = 0; i < 3; i++) {
        if (a < (unsigned long)units[i].size) continue;
        unsigned long whole = a / units[i].size, frac = a % units[i].size;
        char f[16] = "";
        if (frac) {
            int d = units[i].digits;
            f[0] = '.';
            for (int k = d; k >= 1; k--) { f[k] = '0' + frac % 10; frac /= 10; }
            f[d + 1] = 0;
            for (int k = d; f[k] == '0'; k--) f[k] = 0;
        }
        return PD_CAT(ns < 0 ? "-" : "", pd_int((long)whole), f, units[i].unit);
    }
    return PD_CAT(pd_int(ns), "ns");
}

static const char *const pd_signames[32] = {
    "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
    "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
    "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
    "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

static const char *pd_sig(long s) { return s > 0 && s < 32 ? pd_signames[s] : pd_int(s); }

static const char *pd_errname(long e) {
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM"; case ENOENT: return "ENOENT"; case ESRCH: return "ESRCH";
    case EINTR: return "EINTR"; case EBADF: return "EBADF"; case ECHILD: return "ECHILD";
    case EAGAIN: return "EAGAIN"; case ENOMEM: return "ENOMEM"; case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE"; case EPIPE: return "EPIPE"; case EDEADLK: return "EDEADLK";
    default: return pd_int(e);
    }
}

static const char *pd_show_status(pd_status s) {
    if (s.pid <= 0) return PD_CAT("pid ", pd_int(s.pid));
    if (s.stopsig) return PD_CAT("pid ", pd_int(s.pid), " stopped by ", pd_sig(s.stopsig));
    if (s.continued) return PD_CAT("pid ", pd_int(s.pid), " continued");
    if (s.sig) return PD_CAT("pid ", pd_int(s.pid), " killed by ", pd_sig(s.sig), s.core ? " (core dumped)" : "");
    return PD_CAT("pid ", pd_int(s.pid), " exited ", pd_int(s.code));
}

static const char *pd_show_pipe(pd_pipe p) {
    return PD_CAT("pipe(", pd_int(p.read), ", ", pd_int(p.write), ")");
}

static const char *pd_float(double v) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.6g", v);
    return pd_strn(buf, strlen(buf));
}

/* arithmetic that faults where procdsl faults */
static long pd_add(long a, long b, const char *where) {
    long r;
    if (__builtin_add_overflow(a, b, &r)) pd_fault(where, "integer overflow: numbers are 64-bit");
    return r;
}
static long pd_sub(long a, long b, const char *where) {
    long r;
    if (__builtin_sub_overflow(a, b, &r)) pd_fault(where, "integer overflow: numbers are 64-bit");
    return r;
}
static long pd_mul(long a, long b, const char *where) {
    long r;
    if (__builtin_mul_overflow(a, b, &r)) pd_fault(where, "integer overflow: numbers are 64-bit");
    return r;
}
/* a real idiv: dividing by zero traps into SIGFPE as the hardware raises it */
__attribute__((noinline)) static long pd_div(volatile long a, volatile long b) { return a / b; }
__attribute__((noinline)) static long pd_mod(volatile long a, volatile long b) { return a % b; }
static double pd_fdiv(double a, double b) {
    if (b == 0) pd_sigfpe();
    return a / b;
}

static const char *pd_repeat(const char *s, long n) {
    long k = strlen(s);
    if (n <= 0 || k == 0) return "";
    if (k * n > (1L << 20)) pd_fault("runtime", "a string longer than 1048576 characters would result");
    char *r = pd_alloc(k * n + 1);
    for (long i = 0; i < n; i++) memcpy(r + i * k, s, k);
    r[k * n] = 0;
    return r;
}

static const char *pd_char_at(const char *s, long i, const char *where) {
    long n = strlen(s);
    if (i < -n || i >= n) pd_fault(where, "index outside a string");
    return pd_strn(s + (i < 0 ? n + i : i), 1);
}

static int pd_truthy_str(const char *s) { return s[0] != 0; }

/* lists */
static pd_list pd_list_of(long n, const long *items) {
    pd_list l = {n, (long *)pd_alloc(sizeof(long) * (n ? n : 1))};
    memcpy(l.v, items, sizeof(long) * n);
    return l;
}
#define PD_LIST(...) ({ long _items[] = {__VA_ARGS__}; pd_list_of(sizeof _items / sizeof *_items, _items); })
static const pd_list pd_empty_list = {0, NULL};

static pd_list pd_list_cat(pd_list a, pd_list b) {
    if (a.n + b.n > 100000) pd_fault("runtime", "a list longer than 100000 items");
    pd_list l = {a.n + b.n, (long *)pd_alloc(sizeof(long) * (a.n + b.n + 1))};
    if (a.n) memcpy(l.v, a.v, sizeof(long) * a.n);
    if (b.n) memcpy(l.v + a.n, b.v, sizeof(long) * b.n);
    return l;
}

static long pd_item(pd_list l, long i, const char *where) {
    if (i < -l.n || i >= l.n) pd_fault(where, "index outside a list");
    return l.v[i < 0 ? l.n + i : i];
}

static int pd_has(pd_list l, long v, int strings) {
    for (long i = 0; i < l.n; i++)
        if (strings ? strcmp((const char *)l.v[i], (const char *)v) == 0 : l.v[i] == v) return 1;
    return 0;
}

static pd_list pd_list_without(pd_list a, pd_list b, int strings) {
    pd_list l = {0, (long *)pd_alloc(sizeof(long) * (a.n + 1))};
    for (long i = 0; i < a.n; i++)
        if (!pd_has(b, a.v[i], strings)) l.v[l.n++] = a.v[i];
    return l;
}

static const char *pd_show_list(pd_list l, const char *(*show)(long)) {
    const char *s = "[";
    for (long i = 0; i < l.n; i++) s = PD_CAT(s, i ? ", " : "", show(l.v[i]));
    return PD_CAT(s, "]");
}
static const char *pd_show_text(long v) { return (const char *)v; }

/* arguments, as `exec` and `run` pass them: encoded by type */
static const char *pd_enc(char type, const char *text) {
    return PD_CAT((char[]){type, ':', 0}, text);
}
static const char *pd_arg(long i, char type, const char *where) {
    if (i < 0) i += pd_me.nargs;
    if (i < 0 || i >= pd_me.nargs) pd_fault(where, "index outside the list args");
    if (pd_me.args[i][0] != type) pd_fault(where, "an argument of another type than this program reads");
    return pd_me.args[i] + 2;
}
static long pd_arg_num(long i, char type, const char *where) { return atol(pd_arg(i, type, where)); }
static pd_list pd_args_list(char type, const char *where) {
    pd_list l = {pd_me.nargs, (long *)pd_alloc(sizeof(long) * (pd_me.nargs + 1))};
    for (long i = 0; i < pd_me.nargs; i++)
        l.v[i] = type == 's' ? (long)pd_arg(i, 's', where) : pd_arg_num(i, type, where);
    return l;
}
