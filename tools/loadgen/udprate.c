/* udprate: UDP packet-rate tool, sender and receiver (host side of the router benchmarks).
 * `send` streams SIZE-byte datagrams to ADDR:PORT for SEC seconds flat out, or exactly PPS x SEC
 * of them paced to PPS; each payload starts with a 64-bit big-endian sequence number so `recv`
 * can count loss and reordering exactly. `recv` counts what arrives on PORT for SEC seconds and prints packets/s.
 *
 *   udprate send -h 10.78.1.2 -p 9000 -s 64 -d 10 [-r 100000]
 *   udprate recv -p 9000 -d 12
 * Output is one line of key=value pairs (exit 0), or a message on stderr (exit 1 or 2).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE 65507  /* largest UDP payload in IPv4: 65535 - 20 - 8 (RFC 791, RFC 768) */
#define BATCH 32        /* datagrams per sendmmsg/recvmmsg call */
#define SEQ_BYTES 8     /* payloads shorter than this carry no sequence number */

static const char *host;
static int port = 9000, duration = 10;
static long rate;               /* packets/s; 0 = as fast as the socket takes them */
static size_t size = 64;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put_be64(unsigned char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* How many datagrams may go now: all of BATCH unpaced, else what the schedule allows. */
static unsigned budget(uint64_t sent, uint64_t t0, uint64_t t)
{
	if (rate <= 0)
		return BATCH;
	uint64_t due = (t - t0) / 1000 * (uint64_t)rate / 1000000 + 1;
	if (due <= sent)
		return 0;
	return due - sent > BATCH ? BATCH : (unsigned)(due - sent);
}

static int run_send(void)
{
	static unsigned char bufs[BATCH][MAX_SIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (!host || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "udprate: send needs -h IPv4-ADDRESS\n");
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udprate: socket/connect");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		memset(bufs[i], 0x5a, size);
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = size };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	uint64_t sent = 0, refused = 0, t0 = now_ns(), end = t0 + (uint64_t)duration * 1000000000ull, t;
	/* Paced: exactly PPS x SEC datagrams, on schedule, catching up after the scheduler held us
	 * (so a receiver can check the count). Flat out: whatever fits in SEC seconds. */
	uint64_t total = rate > 0 ? (uint64_t)rate * (uint64_t)duration : UINT64_MAX;
	while (rate > 0 ? sent < total : now_ns() < end) {
		t = now_ns();
		unsigned n = budget(sent, t0, t);
		if (n > total - sent)
			n = (unsigned)(total - sent);
		if (n == 0)
			continue;   /* busy-wait: sleeping overshoots sub-10 us gaps */
		if (size >= SEQ_BYTES)
			for (unsigned i = 0; i < n; i++)
				put_be64(bufs[i], sent + i);
		int r = sendmmsg(fd, msgs, n, 0);
		if (r > 0) {
			sent += (uint64_t)r;
		} else if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED) {
			refused++;  /* full qdisc or an ICMP unreachable coming back: count, go on */
		} else {
			perror("udprate: sendmmsg");
			return 1;
		}
	}
	double secs = (double)(now_ns() - t0) / 1e9;
	printf("sent=%llu size=%zu seconds=%.2f pps=%.0f send_errors=%llu\n", (unsigned long long)sent,
	       size, secs, (double)sent / secs, (unsigned long long)refused);
	return 0;
}

struct rx_stats {
	uint64_t pkts, bytes, max_seq, reordered, t_first, t_last;
	int seen_seq;
};

static void account(struct rx_stats *s, const unsigned char *p, size_t len, uint64_t t)
{
	if (s->pkts == 0)
		s->t_first = t;
	s->t_last = t;
	s->pkts++;
	s->bytes += len;
	if (len < SEQ_BYTES)
		return;
	uint64_t seq = get_be64(p);
	if (s->seen_seq && seq < s->max_seq)
		s->reordered++;
	else
		s->max_seq = seq;
	s->seen_seq = 1;
}

static int run_recv(void)
{
	static unsigned char bufs[BATCH][MAX_SIZE];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), big = 8 << 20;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("udprate: socket/bind");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));   /* best effort */
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = MAX_SIZE };
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	struct rx_stats s = { 0 };
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)duration * 1000000000ull, t;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	while ((t = now_ns()) < end) {
		int r = recvmmsg(fd, msgs, BATCH, 0, NULL);
		if (r < 0 && errno != EAGAIN) {
			perror("udprate: recvmmsg");
			return 1;
		}
		if (r <= 0) {
			poll(&pfd, 1, 10);
			continue;
		}
		for (int i = 0; i < r; i++)
			account(&s, bufs[i], msgs[i].msg_len, t);
	}
	/* Rate over the span packets actually arrived in, so start-up skew does not dilute it. */
	double span = s.pkts > 1 ? (double)(s.t_last - s.t_first) / 1e9 : 0;
	uint64_t expect = s.seen_seq ? s.max_seq + 1 : 0;
	/* lost = sequence numbers below the highest seen that never came (duplicates aside). */
	printf("received=%llu bytes=%llu span_s=%.2f pps=%.0f highest_seq=%lld lost=%lld reordered=%llu\n",
	       (unsigned long long)s.pkts, (unsigned long long)s.bytes, span,
	       span > 0 ? (double)s.pkts / span : 0.0, s.seen_seq ? (long long)s.max_seq : -1LL,
	       expect > s.pkts ? (long long)(expect - s.pkts) : 0LL,
	       (unsigned long long)s.reordered);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: udprate send -h ADDR [-p PORT] [-s SIZE] [-d SEC] [-r PPS]\n"
			"       udprate recv [-p PORT] [-d SEC]\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	int sending = strcmp(argv[1], "send") == 0;
	if (!sending && strcmp(argv[1], "recv") != 0)
		return usage();
	int opt;
	optind = 2;
	while ((opt = getopt(argc, argv, "h:p:s:d:r:")) != -1) {
		switch (opt) {
		case 'h': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 's': size = (size_t)atol(optarg); break;
		case 'd': duration = atoi(optarg); break;
		case 'r': rate = atol(optarg); break;
		default: return usage();
		}
	}
	if (port < 1 || port > 65535 || size < 1 || size > MAX_SIZE || duration < 1 || rate < 0) {
		fprintf(stderr, "udprate: port 1..65535, size 1..%d, duration >= 1, rate >= 0\n", MAX_SIZE);
		return 2;
	}
	return sending ? run_send() : run_recv();
}
