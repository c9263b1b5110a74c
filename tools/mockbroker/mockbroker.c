/*
 * mockbroker: a loopback Kafka-protocol broker for the embedded stack and tests.
 *
 * Wraps librdkafka's mock cluster (rdkafka_mock.h) in a tiny process so that any
 * Kafka client (kafkajs, kcat, ...) can talk to it. It prints one line
 * "BOOTSTRAP <host:port,...>" when ready, then reads commands on stdin, one per
 * line, and answers each with "OK" or "ERR <reason>":
 *
 *   topic <name> <partitions>      create a topic (the mock has no CreateTopics API)
 *   down <broker-id>               disconnect a broker and refuse connections (-1: all)
 *   up <broker-id>                 accept connections again
 *   rtt <broker-id> <ms>           add round-trip delay
 *   fail <api-key> <count> <code>  fail the next <count> requests of an API (0 = Produce) with an error code
 *
 * It exits when stdin closes, on SIGINT/SIGTERM, or when its parent dies.
 *
 * Its accepted sockets get TCP_NODELAY, as a real Kafka broker's do: the mock
 * leaves Nagle on, so of two pipelined responses on one connection the second
 * waits for the client's delayed ACK (~40 ms on Linux). Clients pipeline
 * (kafkajs sends a partition's produce while another's is in flight), and
 * those stalls were a fifth of a stage's wall time in the benchmarks.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

/* The mock cluster's thread calls accept() through the PLT; this definition in
 * the executable is found first, takes the connection from libc, and turns
 * Nagle off on it. */
static int no_delay(int fd) {
    if (fd >= 0) {
        int on = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    }
    return fd;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) {
    static int (*real)(int, struct sockaddr *, socklen_t *);
    if (!real)
        real = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
    return no_delay(real(fd, addr, len));
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) {
    static int (*real)(int, struct sockaddr *, socklen_t *, int);
    if (!real)
        real = (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
    return no_delay(real(fd, addr, len, flags));
}

static int fail(const char *what, const char *detail) {
    fprintf(stderr, "mockbroker: %s: %s\n", what, detail);
    return 1;
}

static void run_command(rd_kafka_mock_cluster_t *mc, char *line) {
    char name[512];
    int a = 0, b = 0, c = 0;
    rd_kafka_resp_err_t err;
    if (sscanf(line, "topic %511s %d", name, &a) == 2)
        err = rd_kafka_mock_topic_create(mc, name, a, 1);
    else if (sscanf(line, "down %d", &a) == 1)
        err = rd_kafka_mock_broker_set_down(mc, a);
    else if (sscanf(line, "up %d", &a) == 1)
        err = rd_kafka_mock_broker_set_up(mc, a);
    else if (sscanf(line, "rtt %d %d", &a, &b) == 2)
        err = rd_kafka_mock_broker_set_rtt(mc, a, b);
    else if (sscanf(line, "fail %d %d %d", &a, &b, &c) == 3) {
        rd_kafka_resp_err_t errors[64];
        if (b < 1 || b > 64) b = 1;
        for (int i = 0; i < b; i++)
            errors[i] = (rd_kafka_resp_err_t)c;
        rd_kafka_mock_push_request_errors_array(mc, (int16_t)a, (size_t)b, errors);
        err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    else {
        printf("ERR unknown command\n");
        fflush(stdout);
        return;
    }
    if (err)
        printf("ERR %s\n", rd_kafka_err2str(err));
    else
        printf("OK\n");
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *brokers = argc > 1 ? argv[1] : "1";
    char errstr[512];

    /* Die with the parent: a crashed test or CLI must not leave brokers behind. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() == 1)
        return fail("start", "parent already gone");

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "test.mock.num.brokers", brokers, errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        return fail("config", errstr);

    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk)
        return fail("rd_kafka_new", errstr);
    rd_kafka_mock_cluster_t *mc = rd_kafka_handle_mock_cluster(rk);
    if (!mc)
        return fail("mock cluster", "librdkafka built without mock support");

    printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    /* SIGINT/SIGTERM keep their default action: the process ends and the kernel
     * closes every listening socket; nothing else needs tearing down. */
    char line[1024];
    while (fgets(line, sizeof line, stdin))
        run_command(mc, line);

    rd_kafka_destroy(rk);
    return 0;
}
