/* echod: the Linux guest's baseline for the echo benchmarks — an RFC 862 TCP echo server on
 * one epoll loop, one thread (like Peregrine's single core). Linked static so the initramfs
 * needs no libraries.
 *
 *   echod [PORT]          (default 7; prints "echod: listening on PORT" once ready)
 * Back-pressure: a connection's unsent bytes (up to BUF_SIZE) stop its reads until written,
 * so memory per connection is bounded and a peer that never reads only stalls itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536   /* per-connection echo buffer: the most held for a slow reader */
#define MAX_EVENTS 256

struct conn {
	int fd;
	size_t off, len;     /* bytes buf[off..len) still to write back */
	char buf[BUF_SIZE];
};

static int ep;

static void conn_close(struct conn *c)
{
	close(c->fd);    /* closing removes it from the epoll set */
	free(c);
}

/* Write what is pending; 0 when drained, 1 when the socket is full, -1 on error. */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t w = write(c->fd, c->buf + c->off, c->len - c->off);
		if (w < 0)
			return errno == EAGAIN ? 1 : -1;
		c->off += (size_t)w;
	}
	c->off = c->len = 0;
	return 0;
}

/* Readable or writable: echo until the socket would block either way. */
static void conn_event(struct conn *c, uint32_t events)
{
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		conn_close(c);
		return;
	}
	for (;;) {
		int f = flush(c);
		if (f < 0) {
			conn_close(c);
			return;
		}
		if (f > 0)
			break;   /* wait for EPOLLOUT, stop reading meanwhile */
		ssize_t r = read(c->fd, c->buf, BUF_SIZE);
		if (r == 0 || (r < 0 && errno != EAGAIN)) {
			conn_close(c);
			return;
		}
		if (r < 0)
			break;
		c->len = (size_t)r;
	}
	struct epoll_event ev = { .events = c->len ? EPOLLOUT : EPOLLIN, .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void accept_all(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd < 0)
			return;  /* EAGAIN, or a transient error (EMFILE, ECONNABORTED): retry on next event */
		struct conn *c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->off = c->len = 0;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			conn_close(c);
	}
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7, one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (port < 1 || port > 65535 || lfd < 0) {
		fprintf(stderr, "echod: usage: echod [PORT 1..65535]\n");
		return 2;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ep = epoll_create1(0);
	if (ep < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1024) < 0) {
		perror("echod");
		return 1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }, evs[MAX_EVENTS];
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("echod: listening on %d\n", port);
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				accept_all(lfd);
			else
				conn_event(evs[i].data.ptr, evs[i].events);
		}
	}
}
