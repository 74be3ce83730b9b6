/*
 * Native microbenchmarks of Linux I/O syscall costs, used to calibrate the
 * default cost model of iosim. Plain C, libc + pthreads only.
 *
 *   gcc -O2 -pthread -o syscalls syscalls.c && ./syscalls
 *
 * Every figure is printed as one line:
 *   NATIVE <name> <value> <unit>  # comment (how it was measured, spread)
 * Each figure is the median of REPS repetitions (each repetition is a timed
 * loop of many operations); the comment gives the min..max over repetitions.
 * Errors go to stderr and make the program exit non-zero.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define REPS 7

/* ------------------------------------------------------------------ utils */

static void die(const char *what) {
  fprintf(stderr, "syscalls: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void dief(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("syscalls: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static inline uint64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) die("clock_gettime");
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef struct {
  double med, min, max;
} stat_t;

static stat_t summarize(double *v, int n) {
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  stat_t s;
  s.min = v[0];
  s.max = v[n - 1];
  s.med = (n % 2) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
  return s;
}

static void emit(const char *name, double value, const char *unit,
                 const char *fmt, ...) {
  char comment[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(comment, sizeof comment, fmt, ap);
  va_end(ap);
  const char *vf = value < 10 ? "%.3f" : (value < 1000 ? "%.1f" : "%.0f");
  char vbuf[64];
  snprintf(vbuf, sizeof vbuf, vf, value);
  printf("NATIVE %s %s %s  # %s\n", name, vbuf, unit, comment);
  fflush(stdout);
}

static void emit_stat(const char *name, stat_t s, const char *unit,
                      const char *what) {
  emit(name, s.med, unit, "%s; median of %d reps (range %.1f..%.1f)", what,
       REPS, s.min, s.max);
}

static void full_write(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("write");
    }
    p += r;
    n -= (size_t)r;
  }
}

static void full_read(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("read");
    }
    if (r == 0) dief("read: unexpected EOF");
    p += r;
    n -= (size_t)r;
  }
}

static void full_send(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t r = send(fd, p, n, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("send");
    }
    p += r;
    n -= (size_t)r;
  }
}

static void full_recv(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = recv(fd, p, n, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("recv");
    }
    if (r == 0) dief("recv: unexpected EOF");
    p += r;
    n -= (size_t)r;
  }
}

static void xclose(int fd) {
  if (close(fd) != 0) die("close");
}

/* ------------------------------------------------------- 1. bare syscall */

static double g_syscall_ns;

static void bench_syscall(void) {
  const int iters = 1000000;
  double v[REPS];
  for (int r = 0; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      if (syscall(SYS_getppid) < 0) die("getppid");
    }
    v[r] = (double)(now_ns() - t0) / iters;
  }
  stat_t s = summarize(v, REPS);
  g_syscall_ns = s.med;
  emit_stat("syscall_ns", s, "ns", "syscall(SYS_getppid) round trip, 1e6 calls/rep");
}

/* ------------------------------------------------ 2. send+recv, one thread */

static void tcp_pair(int *a, int *b) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) die("socket(AF_INET)");
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
  if (listen(ls, 1) != 0) die("listen");
  socklen_t len = sizeof addr;
  if (getsockname(ls, (struct sockaddr *)&addr, &len) != 0) die("getsockname");
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (c < 0) die("socket(AF_INET)");
  if (connect(c, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
  int s = accept(ls, NULL, NULL);
  if (s < 0) die("accept");
  xclose(ls);
  int one = 1;
  if (setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("setsockopt(TCP_NODELAY)");
  if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("setsockopt(TCP_NODELAY)");
  *a = c;
  *b = s;
}

static stat_t sendrecv_loop(int a, int b, int iters) {
  char buf[64];
  memset(buf, 'x', sizeof buf);
  /* warm up */
  for (int i = 0; i < 1000; i++) {
    full_send(a, buf, sizeof buf);
    full_recv(b, buf, sizeof buf);
  }
  double v[REPS];
  for (int r = 0; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      full_send(a, buf, sizeof buf);
      full_recv(b, buf, sizeof buf);
    }
    v[r] = (double)(now_ns() - t0) / iters;
  }
  return summarize(v, REPS);
}

static double g_unix_pair_ns;

static void bench_sendrecv(void) {
  int a, b;
  tcp_pair(&a, &b);
  stat_t s = sendrecv_loop(a, b, 100000);
  emit_stat("sendrecv_pair_ns", s, "ns",
            "TCP 127.0.0.1 NODELAY, one thread: send 64B on A + recv 64B on B, per pair, 1e5 pairs/rep");
  xclose(a);
  xclose(b);

  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
  s = sendrecv_loop(sv[0], sv[1], 200000);
  g_unix_pair_ns = s.med;
  emit_stat("unix_sendrecv_pair_ns", s, "ns",
            "AF_UNIX SOCK_STREAM socketpair, one thread: send 64B + recv 64B, per pair, 2e5 pairs/rep");
  xclose(sv[0]);
  xclose(sv[1]);
}

/* ------------------------------------------------------- 3. copy bandwidth */

#define BIG (64 * 1024)

/* Median time of one recv of `size` bytes that is already queued (each recv
 * timed individually, send excluded from the timing). */
static double timed_recv_median(int a, int b, char *buf, size_t size, int samples) {
  double *t = malloc(sizeof(double) * (size_t)samples);
  if (!t) die("malloc");
  for (int i = 0; i < samples; i++) {
    full_send(a, buf, size);
    uint64_t t0 = now_ns();
    full_recv(b, buf, size);
    t[i] = (double)(now_ns() - t0);
  }
  stat_t s = summarize(t, samples);
  free(t);
  return s.med;
}

static void bench_copy(void) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair");
  int sz = 1 << 20;
  if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz) != 0) die("setsockopt(SO_SNDBUF)");
  if (setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz) != 0) die("setsockopt(SO_RCVBUF)");
  char *buf = malloc(BIG);
  if (!buf) die("malloc");
  memset(buf, 'y', BIG);
  /* warm up */
  timed_recv_median(sv[0], sv[1], buf, BIG, 200);
  timed_recv_median(sv[0], sv[1], buf, 64, 200);

  double big[REPS], small[REPS], bw[REPS];
  for (int r = 0; r < REPS; r++) {
    big[r] = timed_recv_median(sv[0], sv[1], buf, BIG, 2000);
    small[r] = timed_recv_median(sv[0], sv[1], buf, 64, 2000);
    bw[r] = (double)(BIG - 64) / (big[r] - small[r]);
  }
  stat_t sb = summarize(big, REPS), ss = summarize(small, REPS), sw = summarize(bw, REPS);
  emit("copy_bytes_per_ns", sw.med, "B/ns",
       "AF_UNIX stream, 1 MiB bufs: (64KiB-64B)/(t_recv64KiB %.0f ns - t_recv64B %.0f ns), data queued & cache-hot; median of %d reps (range %.2f..%.2f)",
       sb.med, ss.med, REPS, sw.min, sw.max);
  free(buf);
  xclose(sv[0]);
  xclose(sv[1]);

  /* plain memcpy 64 KiB */
  char *src = malloc(BIG), *dst = malloc(BIG);
  if (!src || !dst) die("malloc");
  memset(src, 1, BIG);
  memset(dst, 2, BIG);
  const int iters = 20000;
  double v[REPS];
  for (int r = 0; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      memcpy(dst, src, BIG);
      __asm__ volatile("" : : "r"(dst), "r"(src) : "memory");
    }
    v[r] = (double)BIG * iters / (double)(now_ns() - t0);
  }
  stat_t s = summarize(v, REPS);
  emit_stat("memcpy_bytes_per_ns", s, "B/ns", "memcpy of 64 KiB between two cache-hot buffers, 2e4 copies/rep");
  free(src);
  free(dst);
}

/* ----------------------------------------------------- 4. ping-pong, fork */

static void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
}

/* cpu_a/cpu_b < 0 means unpinned. Returns the RTT stat. */
static stat_t pingpong(int cpu_a, int cpu_b, int iters) {
  int ab[2], ba[2];
  if (pipe(ab) != 0 || pipe(ba) != 0) die("pipe");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    if (cpu_b >= 0) pin_to(cpu_b);
    close(ab[1]);
    close(ba[0]);
    char c;
    for (;;) {
      ssize_t r = read(ab[0], &c, 1);
      if (r == 0) _exit(0);
      if (r < 0) {
        if (errno == EINTR) continue;
        perror("syscalls: child read");
        _exit(1);
      }
      if (write(ba[1], &c, 1) != 1) {
        perror("syscalls: child write");
        _exit(1);
      }
    }
  }
  cpu_set_t old;
  if (sched_getaffinity(0, sizeof old, &old) != 0) die("sched_getaffinity");
  if (cpu_a >= 0) pin_to(cpu_a);
  xclose(ab[0]);
  xclose(ba[1]);
  char c = 'p';
  for (int i = 0; i < 2000; i++) { /* warm up */
    full_write(ab[1], &c, 1);
    full_read(ba[0], &c, 1);
  }
  double v[REPS];
  for (int r = 0; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      full_write(ab[1], &c, 1);
      full_read(ba[0], &c, 1);
    }
    v[r] = (double)(now_ns() - t0) / iters;
  }
  xclose(ab[1]); /* child sees EOF and exits */
  xclose(ba[0]);
  int st;
  if (waitpid(pid, &st, 0) != pid) die("waitpid");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) dief("pingpong child failed (status %d)", st);
  if (sched_setaffinity(0, sizeof old, &old) != 0) die("sched_setaffinity(restore)");
  return summarize(v, REPS);
}

static void bench_pingpong(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) die("sched_getaffinity");
  int cpus[2], n = 0;
  for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
    if (CPU_ISSET(i, &set)) cpus[n++] = i;

  const int iters = 20000;
  stat_t s = pingpong(-1, -1, iters);
  emit_stat("pingpong_rtt_ns", s, "ns",
            "2 processes (fork), 2 pipes, 1B each way, blocking reads, unpinned; 2e4 RTTs/rep");

  if (n < 1) dief("no CPU in affinity mask");
  stat_t same = pingpong(cpus[0], cpus[0], iters);
  emit_stat("pingpong_rtt_same_cpu_ns", same, "ns", "same, both processes pinned to one CPU");

  if (n >= 2) {
    stat_t cross = pingpong(cpus[0], cpus[1], iters);
    emit_stat("pingpong_rtt_cross_cpu_ns", cross, "ns", "same, processes pinned to two different CPUs");
  } else {
    fprintf(stderr, "syscalls: only one CPU available, skipping cross-cpu pingpong\n");
  }

  /* one non-blocking pipe write(1B)+read(1B) pair in a single process */
  int p[2];
  if (pipe(p) != 0) die("pipe");
  char c = 'q';
  const int piters = 500000;
  double v[REPS];
  for (int i = 0; i < 10000; i++) {
    full_write(p[1], &c, 1);
    full_read(p[0], &c, 1);
  }
  for (int r = 0; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < piters; i++) {
      full_write(p[1], &c, 1);
      full_read(p[0], &c, 1);
    }
    v[r] = (double)(now_ns() - t0) / piters;
  }
  xclose(p[0]);
  xclose(p[1]);
  stat_t pp = summarize(v, REPS);
  emit_stat("pipe_rw_pair_ns", pp, "ns",
            "one process: write 1B to a pipe + read it back (no blocking, no wakeup), per pair");
  double cs = same.med / 2.0 - pp.med;
  emit("context_switch_ns", cs, "ns",
       "derived: pingpong_rtt_same_cpu_ns/2 - pipe_rw_pair_ns = %.0f/2 - %.0f (switch incl. wakeup + block path)",
       same.med, pp.med);
}

/* ------------------------------------------------ 5. select / poll / epoll */

static int *g_pool;  /* idle fds: both ends of AF_UNIX socketpairs */
static int g_pool_n;

static void pool_open(int n) {
  g_pool = malloc(sizeof(int) * (size_t)n);
  if (!g_pool) die("malloc");
  g_pool_n = 0;
  while (g_pool_n < n) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) die("socketpair(pool)");
    g_pool[g_pool_n++] = sv[0];
    if (g_pool_n < n) g_pool[g_pool_n++] = sv[1];
    else xclose(sv[1]);
  }
}

static void pool_close(void) {
  for (int i = 0; i < g_pool_n; i++) xclose(g_pool[i]);
  free(g_pool);
  g_pool = NULL;
  g_pool_n = 0;
}

static int iters_for(int n) {
  int it = 2000000 / (n + 20);
  return it < 200 ? 200 : it;
}

static void fit_line(const double *x, const double *y, int n, double *base, double *slope) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  *slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  *base = (sy - *slope * sx) / n;
}

static stat_t time_select(int n) {
  fd_set tmpl, rd;
  FD_ZERO(&tmpl);
  int maxfd = -1;
  for (int i = 0; i < n; i++) {
    if (g_pool[i] >= FD_SETSIZE) dief("fd %d >= FD_SETSIZE", g_pool[i]);
    FD_SET(g_pool[i], &tmpl);
    if (g_pool[i] > maxfd) maxfd = g_pool[i];
  }
  int iters = iters_for(n);
  double v[REPS];
  for (int r = -1; r < REPS; r++) { /* r = -1: warm-up */
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      rd = tmpl;
      struct timeval tv = {0, 0};
      int k = select(maxfd + 1, &rd, NULL, NULL, &tv);
      if (k != 0) {
        if (k < 0) die("select");
        dief("select: %d fds unexpectedly ready", k);
      }
    }
    if (r >= 0) v[r] = (double)(now_ns() - t0) / iters;
  }
  return summarize(v, REPS);
}

static stat_t time_poll(int n) {
  struct pollfd *pf = malloc(sizeof(struct pollfd) * (size_t)(n > 0 ? n : 1));
  if (!pf) die("malloc");
  for (int i = 0; i < n; i++) {
    pf[i].fd = g_pool[i];
    pf[i].events = POLLIN;
    pf[i].revents = 0;
  }
  int iters = iters_for(n);
  double v[REPS];
  for (int r = -1; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      int k = poll(pf, (nfds_t)n, 0);
      if (k != 0) {
        if (k < 0) die("poll");
        dief("poll: %d fds unexpectedly ready", k);
      }
    }
    if (r >= 0) v[r] = (double)(now_ns() - t0) / iters;
  }
  free(pf);
  return summarize(v, REPS);
}

static stat_t time_epoll(int n, int ready_fd) {
  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct epoll_event ev;
  for (int i = 0; i < n; i++) {
    ev.events = EPOLLIN;
    ev.data.fd = g_pool[i];
    if (epoll_ctl(ep, EPOLL_CTL_ADD, g_pool[i], &ev) != 0) die("epoll_ctl(ADD)");
  }
  ev.events = EPOLLIN; /* level-triggered: stays ready */
  ev.data.fd = ready_fd;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, ready_fd, &ev) != 0) die("epoll_ctl(ADD ready)");
  struct epoll_event out[64];
  const int iters = 200000;
  double v[REPS];
  for (int r = -1; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      int k = epoll_wait(ep, out, 64, 0);
      if (k != 1) {
        if (k < 0) die("epoll_wait");
        dief("epoll_wait: %d ready, expected 1", k);
      }
    }
    if (r >= 0) v[r] = (double)(now_ns() - t0) / iters;
  }
  xclose(ep);
  return summarize(v, REPS);
}

static void bench_multiplex(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) die("getrlimit");
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) die("setrlimit(RLIMIT_NOFILE)");
  }
  long limit = (long)rl.rlim_cur;
  int maxn = 10000;
  if (limit - 64 < maxn) maxn = (int)(limit - 64);
  if (maxn < 1000) dief("RLIMIT_NOFILE %ld too low (need >= ~1064)", limit);
  /* open the pool first so the first 1000 fds are numbered < FD_SETSIZE */
  pool_open(maxn);

  char line[1024];
  int len;

  /* select */
  const int sel_ns[] = {10, 100, 500, 1000};
  const int nsel = 4;
  double xs[8], ys[8];
  len = 0;
  for (int i = 0; i < nsel; i++) {
    stat_t s = time_select(sel_ns[i]);
    xs[i] = sel_ns[i];
    ys[i] = s.med;
    len += snprintf(line + len, sizeof line - (size_t)len, "%sN=%d:%.0f", i ? " " : "", sel_ns[i], s.med);
  }
  double base, slope;
  fit_line(xs, ys, nsel, &base, &slope);
  /* The LSQ intercept is ill-conditioned (dominated by noise at N=1000), so
   * the base is measured directly with nfds=0. */
  stat_t s0 = time_select(0);
  emit("select_base_ns", s0.med, "ns", "select(0, ..., zero timeout) measured directly (LSQ intercept %.0f); median of %d reps (range %.1f..%.1f)",
       base, REPS, s0.min, s0.max);
  emit("select_per_fd_ns", slope, "ns", "LSQ slope of select() with zero timeout over N idle AF_UNIX sockets (fds ~3..N+2, nfds=maxfd+1; cost scales with nfds); ns/call %s", line);

  /* poll */
  int poll_ns[8], npoll = 0;
  const int cand[] = {10, 100, 500, 1000, 2000, 5000, 10000};
  for (int i = 0; i < 7; i++)
    if (cand[i] <= maxn) poll_ns[npoll++] = cand[i];
  len = 0;
  for (int i = 0; i < npoll; i++) {
    stat_t s = time_poll(poll_ns[i]);
    xs[i] = poll_ns[i];
    ys[i] = s.med;
    len += snprintf(line + len, sizeof line - (size_t)len, "%sN=%d:%.0f", i ? " " : "", poll_ns[i], s.med);
  }
  /* main fit over N <= 1000 (same range as select); cost per fd grows once
   * the per-fd kernel objects no longer fit in cache, so fit N >= 1000 apart */
  int nsmall = 0;
  while (nsmall < npoll && poll_ns[nsmall] <= 1000) nsmall++;
  fit_line(xs, ys, nsmall, &base, &slope);
  s0 = time_poll(0);
  emit("poll_base_ns", s0.med, "ns", "poll(fds, 0, 0) measured directly (LSQ intercept %.0f); median of %d reps (range %.1f..%.1f)",
       base, REPS, s0.min, s0.max);
  emit("poll_per_fd_ns", slope, "ns", "LSQ slope of poll() with zero timeout over N idle AF_UNIX sockets (POLLIN), N<=1000; ns/call %s", line);
  if (npoll - (nsmall - 1) >= 2) {
    fit_line(xs + nsmall - 1, ys + nsmall - 1, npoll - (nsmall - 1), &base, &slope);
    emit("poll_per_fd_large_n_ns", slope, "ns", "slope of a separate LSQ fit over 1000<=N<=%d (cache misses on per-fd kernel objects)", poll_ns[npoll - 1]);
  }

  /* epoll */
  int rsv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, rsv) != 0) die("socketpair(ready)");
  char c = 'r';
  full_write(rsv[0], &c, 1); /* rsv[1] is now readable, and stays so */
  const int ep_ns[] = {10, 100, 1000, 10000};
  for (int i = 0; i < 4; i++) {
    int n = ep_ns[i];
    if (n > maxn) continue;
    stat_t s = time_epoll(n, rsv[1]);
    char name[64];
    snprintf(name, sizeof name, "epoll_wait_ns_N%d", n);
    emit(name, s.med, "ns", "epoll_wait(timeout 0) with %d idle fds + 1 ready (level-triggered) registered; returns 1; median of %d reps (range %.1f..%.1f)",
         n, REPS, s.min, s.max);
  }

  /* epoll_ctl ADD+DEL pair / 2, on an epoll set already holding 1000 fds */
  {
    int ep = epoll_create1(0);
    if (ep < 0) die("epoll_create1");
    struct epoll_event ev;
    for (int i = 0; i < 1000; i++) {
      ev.events = EPOLLIN;
      ev.data.fd = g_pool[i];
      if (epoll_ctl(ep, EPOLL_CTL_ADD, g_pool[i], &ev) != 0) die("epoll_ctl(ADD)");
    }
    int fd = g_pool[maxn - 1];
    const int iters = 200000;
    double v[REPS];
    for (int r = -1; r < REPS; r++) {
      uint64_t t0 = now_ns();
      for (int i = 0; i < iters; i++) {
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl(ADD)");
        if (epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL) != 0) die("epoll_ctl(DEL)");
      }
      if (r >= 0) v[r] = (double)(now_ns() - t0) / (2.0 * iters);
    }
    xclose(ep);
    emit_stat("epoll_ctl_ns", summarize(v, REPS), "ns", "(EPOLL_CTL_ADD + EPOLL_CTL_DEL of an idle AF_UNIX socket)/2, epoll set holding 1000 fds");
  }
  xclose(rsv[0]);
  xclose(rsv[1]);
  pool_close();
}

/* ------------------------------------------------ 6. thread / fork costs */

static void *empty_thread(void *arg) { return arg; }

static void bench_spawn(void) {
  const int titers = 20000;
  double v[REPS];
  for (int r = -1; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < titers; i++) {
      pthread_t th;
      int e = pthread_create(&th, NULL, empty_thread, NULL);
      if (e != 0) { errno = e; die("pthread_create"); }
      e = pthread_join(th, NULL);
      if (e != 0) { errno = e; die("pthread_join"); }
    }
    if (r >= 0) v[r] = (double)(now_ns() - t0) / titers;
  }
  emit_stat("thread_create_join_ns", summarize(v, REPS), "ns", "pthread_create of an empty thread + pthread_join, default attrs");

  const int fiters = 2000;
  for (int r = -1; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < fiters; i++) {
      pid_t pid = fork();
      if (pid < 0) die("fork");
      if (pid == 0) _exit(0);
      int st;
      if (waitpid(pid, &st, 0) != pid) die("waitpid");
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) dief("fork child status %d", st);
    }
    if (r >= 0) v[r] = (double)(now_ns() - t0) / fiters;
  }
  emit_stat("fork_exit_wait_ns", summarize(v, REPS), "ns", "fork + child _exit(0) + parent waitpid, small parent (few MB RSS); grows with parent's mappings");
}

/* ------------------------------------------------------------ 7. signals */

static volatile sig_atomic_t g_sigs;
static void on_usr1(int sig) {
  (void)sig;
  g_sigs++;
}

static void bench_signal(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  if (sigemptyset(&sa.sa_mask) != 0) die("sigemptyset");
  if (sigaction(SIGUSR1, &sa, NULL) != 0) die("sigaction");
  const int iters = 200000;
  pid_t me = getpid();
  double v[REPS];
  for (int r = -1; r < REPS; r++) {
    g_sigs = 0;
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++)
      if (kill(me, SIGUSR1) != 0) die("kill");
    uint64_t t1 = now_ns();
    if (g_sigs != iters) dief("signal: delivered %d of %d", (int)g_sigs, iters);
    if (r >= 0) v[r] = (double)(t1 - t0) / iters;
  }
  sa.sa_handler = SIG_DFL;
  if (sigaction(SIGUSR1, &sa, NULL) != 0) die("sigaction(restore)");
  emit_stat("signal_delivery_ns", summarize(v, REPS), "ns", "kill(getpid(), SIGUSR1) with an empty handler: syscall + signal frame setup + handler + rt_sigreturn");
}

/* -------------------------------------------- 8. eventfd cross-thread wake */

static int g_efd_ab, g_efd_ba;

static void *ef_peer(void *arg) {
  int cpu = *(int *)arg;
  if (cpu >= 0) pin_to(cpu); /* sched_setaffinity(0) pins the calling thread */
  uint64_t x;
  for (;;) {
    if (read(g_efd_ab, &x, sizeof x) != sizeof x) { perror("syscalls: eventfd peer read"); exit(1); }
    if (x == 0xdead) return NULL; /* stop token */
    if (write(g_efd_ba, &x, sizeof x) != sizeof x) { perror("syscalls: eventfd peer write"); exit(1); }
  }
}

static stat_t eventfd_pingpong(int cpu_a, int cpu_b) {
  g_efd_ab = eventfd(0, 0);
  g_efd_ba = eventfd(0, 0);
  if (g_efd_ab < 0 || g_efd_ba < 0) die("eventfd");
  cpu_set_t old;
  if (sched_getaffinity(0, sizeof old, &old) != 0) die("sched_getaffinity");
  if (cpu_a >= 0) pin_to(cpu_a);
  pthread_t th;
  int e = pthread_create(&th, NULL, ef_peer, &cpu_b);
  if (e != 0) { errno = e; die("pthread_create"); }
  const int iters = 20000;
  uint64_t one = 1, x;
  double v[REPS];
  for (int r = -1; r < REPS; r++) {
    uint64_t t0 = now_ns();
    for (int i = 0; i < iters; i++) {
      if (write(g_efd_ab, &one, sizeof one) != sizeof one) die("eventfd write");
      if (read(g_efd_ba, &x, sizeof x) != sizeof x) die("eventfd read");
    }
    if (r >= 0) v[r] = (double)(now_ns() - t0) / iters / 2.0;
  }
  uint64_t stop = 0xdead;
  if (write(g_efd_ab, &stop, sizeof stop) != sizeof stop) die("eventfd write(stop)");
  e = pthread_join(th, NULL);
  if (e != 0) { errno = e; die("pthread_join"); }
  xclose(g_efd_ab);
  xclose(g_efd_ba);
  if (sched_setaffinity(0, sizeof old, &old) != 0) die("sched_setaffinity(restore)");
  return summarize(v, REPS);
}

static void bench_eventfd(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) die("sched_getaffinity");
  int cpus[2], n = 0;
  for (int i = 0; i < CPU_SETSIZE && n < 2; i++)
    if (CPU_ISSET(i, &set)) cpus[n++] = i;
  if (n < 1) dief("no CPU in affinity mask");
  emit_stat("eventfd_wake_same_cpu_ns", eventfd_pingpong(cpus[0], cpus[0]), "ns",
            "two threads pinned to one CPU ping-ponging over two eventfds (blocking reads); RTT/2 = write + wake blocked reader + switch");
  if (n >= 2)
    emit_stat("eventfd_wake_cross_cpu_ns", eventfd_pingpong(cpus[0], cpus[1]), "ns",
              "same, threads pinned to two different CPUs (includes waking an idle CPU)");
}

/* ------------------------------------------------------------------ main */

int main(void) {
  if (setvbuf(stdout, NULL, _IOLBF, 0) != 0) die("setvbuf");
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) die("sched_getaffinity");
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  printf("# iosim native syscall bench: %d CPUs allowed, %ld online, %d reps/figure (median)\n",
         CPU_COUNT(&set), ncpu, REPS);
  bench_syscall();
  bench_sendrecv();
  bench_copy();
  bench_pingpong();
  bench_spawn(); /* before the fd pool exists, so fork copies a small fd table */
  bench_signal();
  bench_eventfd();
  bench_multiplex();
  return 0;
}
