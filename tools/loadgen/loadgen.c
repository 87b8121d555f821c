/* loadgen: TCP request/response load generator (epoll, one thread).
 * Each of N connections sends a SIZE-byte message, waits for SIZE bytes back (an echo), and
 * repeats for DURATION seconds. Prints transactions/s and latency percentiles computed from
 * every sample. Bulk mode (-b) streams WRITE-sized writes and reads the echo back, reporting
 * MB/s each way and verifying the bytes.
 *
 *   loadgen -h 10.77.0.2 -p 7 -c 32 -s 64 -d 10
 *   loadgen -h 10.77.0.2 -p 7 -b -s 65536 -n 104857600
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4096

struct conn {
	int fd;
	size_t sent, got;        /* bytes of the current transaction */
	uint64_t t_start;
};

static const char *host = "127.0.0.1";
static int port = 7, nconns = 1, duration = 10, bulk;
static size_t msg_size = 64;
static uint64_t bulk_total = 100ull << 20;
static uint64_t *samples;
static size_t nsamples, cap_samples;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int connect_one(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "loadgen: bad address %s\n", host);
		exit(2);
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static void record(uint64_t ns)
{
	if (nsamples == cap_samples) {
		cap_samples = cap_samples ? cap_samples * 2 : 1 << 16;
		samples = realloc(samples, cap_samples * sizeof(*samples));
		if (!samples)
			die("realloc");
	}
	samples[nsamples++] = ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct(double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(nsamples - 1) + 0.5);
	return (double)samples[i] / 1000.0;
}

static void send_request(struct conn *c, const char *msg)
{
	c->t_start = now_ns();
	c->sent = c->got = 0;
	ssize_t n = write(c->fd, msg, msg_size);
	if (n < 0 && errno != EAGAIN)
		die("write");
	c->sent = n > 0 ? (size_t)n : 0;
}

/* Request/response over every connection until the duration ends. */
static void run_rr(void)
{
	static struct conn conns[MAX_CONNS];
	char *msg = malloc(msg_size), *buf = malloc(msg_size);
	int ep = epoll_create1(0);
	if (!msg || !buf || ep < 0)
		die("setup");
	memset(msg, 'x', msg_size);
	for (int i = 0; i < nconns; i++) {
		conns[i].fd = connect_one();
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &conns[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)duration * 1000000000ull;
	for (int i = 0; i < nconns; i++)
		send_request(&conns[i], msg);
	struct epoll_event evs[256];
	while (now_ns() < end) {
		int n = epoll_wait(ep, evs, 256, 100);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (c->sent < msg_size) {   /* finish a partial request write */
				ssize_t w = write(c->fd, msg + c->sent, msg_size - c->sent);
				if (w > 0)
					c->sent += (size_t)w;
			}
			ssize_t r = read(c->fd, buf, msg_size - c->got);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				fprintf(stderr, "loadgen: connection closed by peer\n");
				exit(1);
			}
			c->got += (size_t)r;
			if (c->got == msg_size) {
				record(now_ns() - c->t_start);
				send_request(c, msg);
			}
		}
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	qsort(samples, nsamples, sizeof(*samples), cmp_u64);
	if (nsamples == 0) {
		printf("transactions=0\n");
		exit(1);
	}
	printf("conns=%d size=%zu duration=%.1fs transactions=%zu tps=%.0f "
	       "p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\n",
	       nconns, msg_size, secs, nsamples, (double)nsamples / secs, pct(50), pct(99), pct(99.9),
	       (double)samples[nsamples - 1] / 1000.0);
}

/* Bulk: write bulk_total bytes in msg_size writes while reading the echo; verify content. */
static void run_bulk(void)
{
	int fd = connect_one();
	char *out = malloc(msg_size), *in = malloc(msg_size);
	uint64_t sent = 0, got = 0, t0 = now_ns();
	if (!out || !in)
		die("malloc");
	for (size_t i = 0; i < msg_size; i++)
		out[i] = (char)(i * 7 + 3);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT }, evs[2];
	int ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	while (got < bulk_total) {
		if (epoll_wait(ep, evs, 2, 1000) < 0)
			die("epoll_wait");
		if (sent < bulk_total) {
			size_t off = sent % msg_size, len = msg_size - off;
			if (len > bulk_total - sent)
				len = bulk_total - sent;
			ssize_t w = write(fd, out + off, len);
			if (w > 0)
				sent += (uint64_t)w;
			if (sent == bulk_total) {
				ev.events = EPOLLIN;
				epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			}
		}
		ssize_t r = read(fd, in, msg_size);
		if (r < 0 && errno != EAGAIN)
			die("read");
		if (r == 0) {
			fprintf(stderr, "loadgen: peer closed after %llu bytes\n", (unsigned long long)got);
			exit(1);
		}
		for (ssize_t i = 0; i < r; i++)
			if (in[i] != out[(got + (uint64_t)i) % msg_size]) {
				fprintf(stderr, "loadgen: byte %llu differs\n", (unsigned long long)(got + (uint64_t)i));
				exit(1);
			}
		if (r > 0)
			got += (uint64_t)r;
		if (now_ns() - t0 > (uint64_t)duration * 1000000000ull * 10) {
			fprintf(stderr, "loadgen: bulk transfer stalled at %llu bytes\n", (unsigned long long)got);
			exit(1);
		}
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	printf("bulk bytes=%llu write=%zu seconds=%.2f MBps=%.2f verified=yes\n",
	       (unsigned long long)bulk_total, msg_size, secs, (double)bulk_total / secs / 1e6);
	close(fd);
}

int main(int argc, char **argv)
{
	int opt;
	while ((opt = getopt(argc, argv, "h:p:c:s:d:bn:")) != -1) {
		switch (opt) {
		case 'h': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': nconns = atoi(optarg); break;
		case 's': msg_size = (size_t)atol(optarg); break;
		case 'd': duration = atoi(optarg); break;
		case 'b': bulk = 1; break;
		case 'n': bulk_total = (uint64_t)atoll(optarg); break;
		default:
			fprintf(stderr, "usage: loadgen -h ADDR -p PORT [-c CONNS] [-s SIZE] [-d SECONDS] [-b [-n BYTES]]\n");
			return 2;
		}
	}
	if (nconns < 1 || nconns > MAX_CONNS || msg_size < 1 || duration < 1) {
		fprintf(stderr, "loadgen: conns 1..%d, size >= 1, duration >= 1\n", MAX_CONNS);
		return 2;
	}
	if (bulk)
		run_bulk();
	else
		run_rr();
	return 0;
}
