/* Filter internals: the rule set (tables of chains of precompiled rules), its named limits,
 * and the functions the filter files share (parser, matcher, targets, printer, dispatcher).
 * Not for use outside net/nf_*.c; the public API is net/filter.h. */
#ifndef NET_NF_RULE_H
#define NET_NF_RULE_H

#include "net/filter.h"
#include "net/nat.h"

/* Named limits: reaching one is a clear load error ("too many rules (limit 16384)"). */
#define NF_MAX_RULES        16384u  /* rules over all tables */
#define NF_MAX_CHAINS       64u     /* built-in + user chains over all tables */
#define NF_MAX_JUMP_DEPTH   16u     /* nested jumps; a loop or deeper nesting fails the load */
#define NF_CHAIN_NAME_MAX   28u     /* as iptables (XT_EXTENSION_MAXNAMELEN - 1) */
#define NF_IFNAME_MAX       15u     /* IFNAMSIZ - 1 */
#define NF_MULTIPORT_MAX    15u     /* -m multiport entries (a range counts as one) */
#define NF_COMMENT_MAX      256u    /* -m comment text */
#define NF_LOG_PREFIX_MAX   29u     /* --log-prefix text */
#define NF_LINE_MAX         1024u   /* one rule line */
#define NF_LINE_WORDS       96u     /* words in one rule line */
#define NF_HASHLIMIT_TABLES 16u     /* distinct --hashlimit-name tables */
#define NF_HASHLIMIT_SETS   64u     /* each table: SETS x WAYS sources; the oldest in a set */
#define NF_HASHLIMIT_WAYS   4u      /*   is evicted when a new source arrives */
#define NF_LOG_RATE         10u     /* LOG lines per second (token bucket) ... */
#define NF_LOG_BURST        20u     /* ... and burst; over it: nf_stats.log_suppressed */
#define NF_INDEX_MIN        16u     /* chains this long get a destination-port index */

enum nf_table { NF_T_FILTER, NF_T_NAT, NF_NTABLES };

/* Built-in chains, at fixed indices of struct nf_ruleset.chain. */
enum {
	NF_C_F_INPUT, NF_C_F_FORWARD, NF_C_F_OUTPUT,
	NF_C_N_PREROUTING, NF_C_N_INPUT, NF_C_N_OUTPUT, NF_C_N_POSTROUTING,
	NF_C_BUILTIN
};

/* What a rule matches on (struct nf_rule.m, and .inv for the ones negated with "!"). */
#define NF_M_IN        0x0001
#define NF_M_OUT       0x0002
#define NF_M_SRC       0x0004
#define NF_M_DST       0x0008
#define NF_M_PROTO     0x0010
#define NF_M_SPORT     0x0020
#define NF_M_DPORT     0x0040
#define NF_M_MPORT     0x0080   /* -m multiport */
#define NF_M_FLAGS     0x0100   /* --tcp-flags / --syn */
#define NF_M_ICMP      0x0200   /* --icmp-type */
#define NF_M_CTSTATE   0x0400   /* -m conntrack --ctstate */
#define NF_M_STATE     0x0800   /* -m state --state (same test, printed differently) */
#define NF_M_LIMIT     0x1000
#define NF_M_HASHLIMIT 0x2000

enum nf_mport_dir { NF_MP_SRC, NF_MP_DST, NF_MP_ANY };

enum nf_target_kind {
	NF_T_NONE,      /* no -j: count and go on */
	NF_T_ACCEPT, NF_T_DROP, NF_T_RETURN, NF_T_JUMP, NF_T_REJECT, NF_T_LOG,
	NF_T_SNAT, NF_T_MASQUERADE, NF_T_DNAT, NF_T_REDIRECT,
};

enum nf_reject_with {
	NF_RJ_PORT_UNREACH, NF_RJ_HOST_UNREACH, NF_RJ_NET_UNREACH, NF_RJ_ADMIN_PROHIB,
	NF_RJ_TCP_RESET,
};

/* Token bucket in nanoseconds of credit: each match costs `cost`, credit grows with time
 * up to `cost * burst` (the iptables limit match model). */
struct nf_bucket {
	uint64_t cost, cap;     /* ns per packet, ns of credit at most */
	uint64_t credit, last;  /* ns available, time of the last refill */
};

struct nf_rule {
	uint32_t m, inv;                    /* NF_M_* present / negated */
	uint32_t src, smask, dst, dmask;    /* host order */
	char in[NF_IFNAME_MAX + 1], out[NF_IFNAME_MAX + 1];
	uint8_t inlen, outlen;              /* bytes to compare ("eth+" compares 3) */
	bool in_wild, out_wild;
	uint8_t proto;                      /* 0 = all */
	uint8_t flg_mask, flg_cmp;
	uint8_t icmp_type, icmp_code_lo, icmp_code_hi;   /* type 255 = any */
	uint8_t ctstate;                    /* NF_CT_* bits */
	uint8_t nports, mp_dir;             /* multiport */
	uint16_t sport[2], dport[2];
	uint16_t ports[NF_MULTIPORT_MAX][2];
	struct nf_bucket limit;
	uint32_t limit_rate, limit_unit;    /* as written: N per unit (seconds), for printing */
	uint32_t limit_burst;
	int8_t hashlimit;                   /* index into the hashlimit tables, -1 none */
	char *comment;                      /* owned by the rule (malloc), or NULL */
	struct {
		uint8_t kind;               /* enum nf_target_kind */
		uint8_t reject_with;        /* enum nf_reject_with */
		uint8_t log_level;
		bool nat_ports;             /* --to-ports / :p given */
		uint16_t jump;              /* NF_T_JUMP: chain index */
		char log_prefix[NF_LOG_PREFIX_MAX + 1];
		struct nat_range nat;
	} t;
	uint64_t pkts, bytes;
};

struct nf_chain {
	char name[NF_CHAIN_NAME_MAX + 1];
	uint8_t table;          /* enum nf_table */
	uint8_t policy;         /* built-in: NF_ACCEPT or NF_DROP */
	bool builtin;
	uint32_t refs;          /* rules jumping here */
	uint64_t pkts, bytes;   /* built-in: packets the policy decided */
	struct nf_rule *rules;  /* malloc'd array of n (cap allocated) */
	uint32_t n, cap;
	struct nf_index *idx;   /* nf_index.c, built when the set is committed; or NULL */
};

struct nf_ruleset {
	struct nf_chain chain[NF_MAX_CHAINS];
	uint32_t nchains, nrules;
};

/* A per-source rate table (-m hashlimit --hashlimit-mode srcip --hashlimit-name X). */
struct nf_hashlimit {
	char name[NF_CHAIN_NAME_MAX + 1];   /* "" = free slot */
	bool used;                          /* referenced by a rule (mark during load) */
	bool above;                         /* --hashlimit-above (else -upto) */
	uint32_t rate, unit, burst;         /* as written, for printing */
	uint64_t cost, cap;
	struct nf_hl_src {
		uint32_t src;
		bool used;
		uint64_t credit, last;      /* as struct nf_bucket */
	} src[NF_HASHLIMIT_SETS][NF_HASHLIMIT_WAYS];
};

/* nf_parse.c: the running rule set and its generation (bumped by every change). */
extern struct nf_ruleset *nf_rs;
extern uint32_t nf_generation;
extern struct nf_hashlimit nf_hl[NF_HASHLIMIT_TABLES];
extern const char *const nf_table_name[NF_NTABLES];

/* nf_parse.c: one line into words, the words of a rule into r (see the definitions). */
int nf_split(const char *s, size_t n, char *buf, char **w, unsigned *nw, char *why, unsigned wl);
int nf_parse_rule(struct nf_ruleset *rs, unsigned table, unsigned chain, char **w, unsigned nw,
		  struct nf_rule *r, char *why, unsigned wl);

/* nf_table.c: chain look-up in a table (-1 none), target placement rules, rule clean-up. */
int nf_chain_find(const struct nf_ruleset *rs, unsigned table, const char *name);
int nf_chain_check_target(const struct nf_ruleset *rs, unsigned chain, uint8_t kind, char *why,
			  unsigned wl);
void nf_rule_free(struct nf_rule *r);

/* The conntrack entry, direction and state travel from PREROUTING/OUTPUT to the later hooks
 * in nb->ct, the state in the pointer's low bits (entries are at least 8-byte aligned),
 * as Linux keeps ctinfo in skb->_nfct. Only net/nf_*.c read nb->ct. */
void nf_ct_store(struct netbuf *nb, const struct nf_pkt *p);

/* nf_match.c */
bool nf_rule_match(struct nf_rule *r, const struct nf_pkt *p, uint64_t now);
bool nf_bucket_take(struct nf_bucket *b, uint64_t now);
void nf_bucket_init(struct nf_bucket *b, uint32_t rate, uint32_t unit_s, uint32_t burst);

/* nf_target.c: REJECT sends its answer (does not take nb); LOG prints one line. */
void nf_reject(const struct nf_rule *r, const struct nf_pkt *p);
void nf_log(const struct nf_rule *r, const struct nf_pkt *p, uint64_t now);
void nf_log_reset(void);

/* nf_index.c: per-chain destination-port index (rule order is kept). nf_index_min is the
 * chain length from which chains get one (tests lower or raise it). */
extern uint32_t nf_index_min;
void nf_index_build(struct nf_chain *c);
void nf_index_free(struct nf_chain *c);
uint32_t nf_index_next(const struct nf_chain *c, const struct nf_pkt *p, uint32_t i);

/* nf_print.c */
void nf_fmt_num(char *buf, unsigned len, uint64_t n);

#endif
