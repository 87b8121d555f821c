/* Split virtqueues (virtio 1.2 §2.7): descriptor table, available ring, used ring, and the
 * driver side of buffer exchange and notification suppression (§2.7.7, §2.7.10 EVENT_IDX).
 * One descriptor per buffer (no chains, no indirect tables): every netbuf fits in one.
 * Plain C without inline asm so the ring logic is unit-tested on the host. */
#ifndef DRIVERS_NET_VIRTIO_RING_H
#define DRIVERS_NET_VIRTIO_RING_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define VIRTQ_MAX_SIZE 1024   /* legacy devices dictate the size; QEMU allows up to 1024 */

/* §2.7.5 */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2   /* device writes (receive buffer) */
#define VIRTQ_DESC_F_INDIRECT 4

/* §2.7.6: flags, idx, ring[size], then used_event (EVENT_IDX) */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

/* §2.7.8: flags, idx, ring[size], then avail_event (EVENT_IDX) */
struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq {
	uint16_t size;              /* power of two */
	uint16_t index;             /* queue number on the device */
	bool event_idx;             /* VIRTIO_F_RING_EVENT_IDX negotiated */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint64_t desc_pa, avail_pa, used_pa;
	volatile uint16_t *notify;  /* modern: this queue's notify address (set by transport) */

	uint16_t free_head, num_free;  /* free descriptors, chained through desc[].next */
	uint16_t avail_idx;         /* driver's next avail->idx (published by virtq_publish) */
	uint16_t kicked_idx;        /* avail idx at the last notification decision */
	uint16_t last_used;         /* next used ring slot to consume */
	uint64_t bad_used;          /* used entries with an id we never made available (device bug) */
	void *cookie[VIRTQ_MAX_SIZE];
};

/* Bytes of ring memory for size entries. Legacy layout (§2.7.2 legacy interfaces: used ring
 * on its own 4096-aligned page) satisfies the modern alignments too, so it serves both. */
size_t virtq_mem_size(uint16_t size);
/* Lay the rings out in mem (zeroed, 4096-aligned, virtq_mem_size bytes at physical pa). */
void virtq_init(struct virtq *vq, uint16_t index, uint16_t size, void *mem, uint64_t pa, bool event_idx);

/* Queue one buffer (device-readable, or device-writable if write) with its cookie. Not
 * visible to the device until virtq_publish(). Returns false when no descriptor is free. */
bool virtq_add(struct virtq *vq, uint64_t addr, uint32_t len, bool write, void *cookie);
/* Make the added buffers visible (§2.7.13.3: ring entries before idx). Returns true when the
 * device wants a notification (§2.7.10: avail_event crossed, or without EVENT_IDX
 * VIRTQ_USED_F_NO_NOTIFY clear). */
bool virtq_publish(struct virtq *vq);
/* Take one finished buffer: its cookie and the bytes the device wrote in *len; NULL if none.
 * Entries with bad ids are skipped and counted in bad_used. */
void *virtq_get(struct virtq *vq, uint32_t *len);
bool virtq_has_used(const struct virtq *vq);
/* §2.7.7 used buffer notification suppression: ask the device not to interrupt. */
void virtq_disable_cb(struct virtq *vq);
/* Ask for an interrupt at the next used buffer. Returns true if one is already there (the
 * §2.7.7 race: it may have arrived before the device saw the request); interrupts then stay
 * suppressed and the caller polls again. */
bool virtq_enable_cb(struct virtq *vq);
/* vring_need_event (§2.7.7 used_event, §2.7.10 avail_event): did moving the index from old
 * to new_idx pass event? */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

#endif
