/* Plain libzmq DEALER -> ROUTER echo round trip over tcp loopback: the baseline for `desk bench transport`.
 * Build and run: cc -O2 -o pingpong pingpong.c -lzmq -lpthread && ./pingpong [round_trips] [size]
 * Prints p50, p99 and mean round-trip time in microseconds. */
#include <zmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void *echo(void *arg) {
    void *router = arg;
    zmq_msg_t part;
    for (;;) {
        /* identity, payload: echo both back */
        zmq_msg_t id;
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, router, 0) < 0) { zmq_msg_close(&id); break; }
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, router, 0) < 0) { zmq_msg_close(&part); zmq_msg_close(&id); break; }
        zmq_msg_send(&id, router, ZMQ_SNDMORE);
        zmq_msg_send(&part, router, 0);
    }
    return NULL;
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    int size = argc > 2 ? atoi(argv[2]) : 100;
    int warmup = n / 10;
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER);
    int zero = 0;
    zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_bind(router, "tcp://127.0.0.1:*");
    char endpoint[256];
    size_t len = sizeof endpoint;
    zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, endpoint, &len);
    void *dealer = zmq_socket(ctx, ZMQ_DEALER);
    zmq_setsockopt(dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect(dealer, endpoint);
    pthread_t thread;
    pthread_create(&thread, NULL, echo, router);

    char *payload = malloc(size), *reply = malloc(size);
    memset(payload, 'x', size);
    double *samples = malloc(sizeof(double) * n);
    for (int i = 0; i < warmup + n; i++) {
        double start = now_us();
        zmq_send(dealer, payload, size, 0);
        zmq_recv(dealer, reply, size, 0);
        if (i >= warmup) samples[i - warmup] = now_us() - start;
    }
    qsort(samples, n, sizeof(double), cmp);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += samples[i];
    printf("c-libzmq round trip (%d B, %d samples): p50 %.1f us  p99 %.1f us  mean %.1f us\n", size, n,
           samples[n / 2], samples[(int)(n * 0.99)], sum / n);
    zmq_close(dealer);
    zmq_ctx_shutdown(ctx); /* the echo thread's blocking receive returns ETERM */
    pthread_join(thread, NULL);
    zmq_close(router);
    zmq_ctx_term(ctx);
    free(payload); free(reply); free(samples);
    return 0;
}
