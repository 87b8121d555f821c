/* Connection tracking (placeholder until it lands): off. */
#include "net/conntrack.h"

int ct_init(unsigned max) { (void)max; return 0; }
bool ct_enabled(void) { return false; }
unsigned ct_count(void) { return 0; }
void ct_set_fastpath(struct ct_entry *ct, enum nf_hook h, uint32_t gen) { (void)ct; (void)h; (void)gen; }
bool ct_fastpath(const struct ct_entry *ct, enum nf_hook h, uint32_t gen) { (void)ct; (void)h; (void)gen; return false; }
void ct_print(void) {}
void ct_flush(void) {}
