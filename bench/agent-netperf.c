/*
 * agent-netperf: the traffic of the agent benchmark (bench/agent.bench.ts),
 * in C so that user-space cost does not hide the probe's kernel-side cost.
 *
 *   sink  <ip> <port>                  serve connections one after another: read to EOF,
 *                                      answer the byte count (8 bytes), close
 *   bulk  <ip> <port> <seconds>        one connection, write for <seconds>; prints
 *                                      {"bytes":N,"seconds":S,"cpu_seconds":C} once the sink has counted all
 *   churn <ip> <port> <rate> <seconds> short connections at <rate>/s, each 100 bytes out and the
 *                                      8-byte count back; prints {"connections":N,"seconds":S,"cpu_seconds":C}
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* user + system CPU of this process: the kernel work of its syscalls and the
 * softirq processing that ran on its behalf */
static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static struct sockaddr_in address(const char *ip, const char *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1)
		die("address");
	return sa;
}

static int dial(struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)sa, sizeof(*sa)) != 0)
		die("connect");
	return fd;
}

static uint64_t read_count(int fd)
{
	uint64_t total = 0;
	size_t got = 0;
	while (got < sizeof(total)) {
		ssize_t n = read(fd, (char *)&total + got, sizeof(total) - got);
		if (n <= 0)
			die("read count");
		got += (size_t)n;
	}
	return total;
}

static int sink(struct sockaddr_in *sa)
{
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)sa, sizeof(*sa)) || listen(lfd, 4096))
		die("listen");
	printf("READY\n");
	fflush(stdout);
	static char buf[1 << 18];
	for (;;) { /* until killed */
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		uint64_t total = 0;
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			total += (uint64_t)n;
		if (write(fd, &total, sizeof(total)) != sizeof(total))
			perror("write count");
		close(fd);
	}
	return 0;
}

static int bulk(struct sockaddr_in *sa, double seconds)
{
	static char buf[1 << 17];
	memset(buf, 'x', sizeof(buf));
	int fd = dial(sa);
	double start = now(), end = start + seconds;
	uint64_t sent = 0;
	while (now() < end) {
		ssize_t n = write(fd, buf, sizeof(buf));
		if (n <= 0)
			die("write");
		sent += (uint64_t)n;
	}
	shutdown(fd, SHUT_WR);
	uint64_t counted = read_count(fd);
	double elapsed = now() - start;
	close(fd);
	if (counted != sent)
		fprintf(stderr, "agent-netperf: sent %llu, sink counted %llu\n", (unsigned long long)sent, (unsigned long long)counted);
	printf("{\"bytes\":%llu,\"seconds\":%.6f,\"cpu_seconds\":%.6f}\n", (unsigned long long)counted, elapsed, cpu_seconds());
	return 0;
}

static int churn(struct sockaddr_in *sa, double rate, double seconds)
{
	char payload[100];
	memset(payload, 'c', sizeof(payload));
	double start = now(), interval = 1.0 / rate;
	uint64_t done = 0;
	while (now() - start < seconds) {
		double due = start + done * interval;
		double wait = due - now();
		if (wait > 0)
			usleep((useconds_t)(wait * 1e6));
		int fd = dial(sa);
		if (write(fd, payload, sizeof(payload)) != sizeof(payload))
			die("write");
		shutdown(fd, SHUT_WR);
		read_count(fd);
		close(fd);
		done++;
	}
	printf("{\"connections\":%llu,\"seconds\":%.6f,\"cpu_seconds\":%.6f}\n", (unsigned long long)done, now() - start, cpu_seconds());
	return 0;
}

int main(int argc, char **argv)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the benchmark */
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 4 && strcmp(argv[1], "sink") == 0) {
		struct sockaddr_in sa = address(argv[2], argv[3]);
		return sink(&sa);
	}
	if (argc >= 5 && strcmp(argv[1], "bulk") == 0) {
		struct sockaddr_in sa = address(argv[2], argv[3]);
		return bulk(&sa, atof(argv[4]));
	}
	if (argc >= 6 && strcmp(argv[1], "churn") == 0) {
		struct sockaddr_in sa = address(argv[2], argv[3]);
		return churn(&sa, atof(argv[4]), atof(argv[5]));
	}
	fprintf(stderr, "usage: agent-netperf sink IP PORT | bulk IP PORT SECONDS | churn IP PORT RATE SECONDS\n");
	return 2;
}
