/*
 * tcpsim bench handshake, the kernel reference with no language runtime in the way: one listener
 * on 127.0.0.1, one acceptor thread that accepts and closes, CLIENTS threads that connect and
 * close with SO_LINGER 0 (the RST frees both ends without TIME_WAIT). Compiled at bench time:
 *   gcc -O2 -pthread -o handshake handshake.c
 * usage: handshake CLIENTS WARMUP_SECONDS SECONDS
 * prints one line: connects=N accepts=N errors=N window_ns=N other_cpu=F cpu_ns=N first_error=TEXT
 * (other_cpu: the share of the machine's CPU time other processes used in the window, from
 * /proc/stat minus this process's own CPU time; cpu_ns: this process's CPU time in the window).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One cache line per thread, so that counting does not bounce a line between the CPUs. */
struct counter { _Atomic long n; char pad[64 - sizeof(long)]; };

static int listener;
static struct sockaddr_in addr;
static atomic_int running = 1;
static atomic_int accepting = 1;
static atomic_long errors;
static char first_error[160] = "none";

static void fail(const char *what) {
    int e = errno;
    if (atomic_fetch_add(&errors, 1) == 0) snprintf(first_error, sizeof first_error, "%s: %s", what, strerror(e));
}

static void *acceptor(void *arg) {
    struct counter *c = arg;
    for (;;) {
        int s = accept(listener, NULL, NULL);
        if (s < 0) {
            if (!atomic_load(&accepting)) return NULL; /* shutdown() on the listener woke us */
            fail("accept");
            continue;
        }
        atomic_fetch_add_explicit(&c->n, 1, memory_order_relaxed);
        close(s);
    }
}

static void *client(void *arg) {
    struct counter *c = arg;
    struct linger lg = { .l_onoff = 1, .l_linger = 0 };
    while (atomic_load_explicit(&running, memory_order_relaxed)) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) { fail("socket"); continue; }
        if (setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0) fail("setsockopt");
        else if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) fail("connect");
        else atomic_fetch_add_explicit(&c->n, 1, memory_order_relaxed);
        close(s);
    }
    return NULL;
}

static long long now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* user + nice + system ticks of the whole machine, from the "cpu" line of /proc/stat; -1 if unreadable */
static long long machine_busy_ticks(void) {
    long long user, nice, sys;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    int n = fscanf(f, "cpu %lld %lld %lld", &user, &nice, &sys);
    fclose(f);
    return n == 3 ? user + nice + sys : -1;
}

static long sum(struct counter *c, int n) {
    long s = 0;
    for (int i = 0; i < n; i++) s += atomic_load_explicit(&c[i].n, memory_order_relaxed);
    return s;
}

static void sleep_s(double s) {
    struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s CLIENTS WARMUP_SECONDS SECONDS\n", argv[0]); return 2; }
    int clients = atoi(argv[1]);
    double warmup = atof(argv[2]), seconds = atof(argv[3]);
    if (clients < 1 || warmup < 0 || seconds <= 0) { fprintf(stderr, "bad arguments\n"); return 2; }

    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    listener = socket(AF_INET, SOCK_STREAM, 0);
    /* net/socket.c: __sys_listen caps the backlog at net.core.somaxconn, as for the Java listener */
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 65535) < 0
        || getsockname(listener, (struct sockaddr *)&addr, &len) < 0) {
        perror("listener");
        return 1;
    }
    struct counter *accepted = calloc(1, sizeof *accepted), *connected = calloc(clients, sizeof *connected);
    pthread_t acceptor_thread, *client_threads = calloc(clients, sizeof *client_threads);
    pthread_create(&acceptor_thread, NULL, acceptor, accepted);
    for (int i = 0; i < clients; i++) pthread_create(&client_threads[i], NULL, client, &connected[i]);

    sleep_s(warmup);
    long c0 = sum(connected, clients), a0 = sum(accepted, 1);
    long long busy0 = machine_busy_ticks(), self0 = now_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = now_ns(CLOCK_MONOTONIC);
    sleep_s(seconds);
    long c1 = sum(connected, clients), a1 = sum(accepted, 1);
    long long t1 = now_ns(CLOCK_MONOTONIC), self1 = now_ns(CLOCK_PROCESS_CPUTIME_ID), busy1 = machine_busy_ticks();

    /* Clients finish their last connect while the listener still accepts: stopping makes no errors. */
    atomic_store(&running, 0);
    for (int i = 0; i < clients; i++) pthread_join(client_threads[i], NULL);
    long errs = atomic_load(&errors);
    atomic_store(&accepting, 0);
    shutdown(listener, SHUT_RDWR); /* wakes the blocked accept() with EINVAL */
    pthread_join(acceptor_thread, NULL);
    close(listener);

    double other = -1;
    if (busy0 >= 0 && busy1 >= 0) {
        double busy_s = (double)(busy1 - busy0) / sysconf(_SC_CLK_TCK), self_s = (self1 - self0) / 1e9;
        other = (busy_s - self_s) / ((t1 - t0) / 1e9 * sysconf(_SC_NPROCESSORS_ONLN));
        if (other < 0) other = 0;
    }
    printf("connects=%ld accepts=%ld errors=%ld window_ns=%lld other_cpu=%.4f cpu_ns=%lld first_error=%s\n",
           c1 - c0, a1 - a0, errs, t1 - t0, other, self1 - self0, first_error);
    return 0;
}
