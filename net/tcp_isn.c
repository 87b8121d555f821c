/* Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip,
 * remoteport, secretkey), M a 4-microsecond clock, F SipHash-2-4 (Aumasson/Bernstein) keyed
 * with the boot-time secret from tcp_set_secret(). The same keyed hash signs SYN cookies. */
#include <string.h>
#include "net/tcp_priv.h"

static uint64_t key0, key1;

void tcp_set_secret(const uint8_t key[16])
{
	memcpy(&key0, key, 8);
	memcpy(&key1, key + 8, 8);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

/* SipHash-2-4 of n 64-bit words (a message of 8n bytes). */
static uint64_t siphash_words(const uint64_t *w, unsigned n)
{
	uint64_t v[4] = { key0 ^ 0x736f6d6570736575ull, key1 ^ 0x646f72616e646f6dull,
			  key0 ^ 0x6c7967656e657261ull, key1 ^ 0x7465646279746573ull };
	for (unsigned i = 0; i <= n; i++) {
		uint64_t m = i < n ? w[i] : (uint64_t)(8 * n) << 56;
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t siphash_2w(uint64_t m0, uint64_t m1)
{
	uint64_t w[2] = { m0, m1 };
	return siphash_words(w, 2);
}

uint32_t tcp_cookie_hash(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
			 uint32_t a, uint32_t b)
{
	uint64_t w[3] = { (uint64_t)laddr << 32 | raddr, (uint64_t)lport << 16 | rport,
			  (uint64_t)a << 32 | b };
	return (uint32_t)siphash_words(w, 3);
}

uint32_t tcp_isn(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint64_t m0 = (uint64_t)laddr << 32 | raddr;
	uint64_t m1 = (uint64_t)lport << 16 | rport;
	uint32_t f = (uint32_t)siphash_2w(m0, m1);
	uint32_t m = (uint32_t)(time_now_ns() / (4 * NS_PER_US));
	return m + f;
}

/* A per-boot seed for the connection hash table, so chains cannot be aimed at offline. */
uint32_t tcp_hash_seed(void)
{
	return (uint32_t)siphash_2w(0x636f6e6e68617368ull, 0);
}
