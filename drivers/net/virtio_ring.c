/* Split virtqueue driver side (virtio 1.2 §2.7): ring layout, adding buffers, publishing
 * them, taking used buffers, and interrupt/notification suppression with or without
 * VIRTIO_F_RING_EVENT_IDX. Interface in virtio_ring.h. Rings are little-endian and so is
 * x86_64, so fields are used as they are. Ordering uses C11 fences (no asm): release/acquire
 * cost nothing on x86 beyond a compiler barrier; the store->load cases need a full fence. */
#include <string.h>
#include "drivers/net/virtio_ring.h"
#include "net/compiler.h"

#define RD16(p) (*(volatile const uint16_t *)&(p))
#define WR16(p, v) (*(volatile uint16_t *)&(p) = (v))
#define wmb_() __atomic_thread_fence(__ATOMIC_RELEASE)
#define rmb_() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define mb_() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* used_event lives after avail->ring[size]; avail_event after used->ring[size] (§2.7.6/2.7.8) */
#define USED_EVENT(vq)  ((vq)->avail->ring[(vq)->size])
#define AVAIL_EVENT(vq) \
	(*(volatile uint16_t *)((uint8_t *)(vq)->used + 4 + sizeof(struct virtq_used_elem) * (vq)->size))

static size_t align_up(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }

static size_t used_offset(uint16_t size)
{
	return align_up(sizeof(struct virtq_desc) * size + 6 + 2u * size, 4096);
}

size_t virtq_mem_size(uint16_t size)
{
	return used_offset(size) + align_up(6 + sizeof(struct virtq_used_elem) * size, 4096);
}

void virtq_init(struct virtq *vq, uint16_t index, uint16_t size, void *mem, uint64_t pa, bool event_idx)
{
	ASSERT(size && size <= VIRTQ_MAX_SIZE && (size & (size - 1)) == 0);
	memset(vq, 0, sizeof(*vq));
	vq->size = size;
	vq->index = index;
	vq->event_idx = event_idx;
	vq->desc = mem;
	vq->avail = (struct virtq_avail *)((uint8_t *)mem + sizeof(struct virtq_desc) * size);
	vq->used = (struct virtq_used *)((uint8_t *)mem + used_offset(size));
	vq->desc_pa = pa;
	vq->avail_pa = pa + sizeof(struct virtq_desc) * size;
	vq->used_pa = pa + used_offset(size);
	for (uint16_t i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->num_free = size;
}

bool virtq_add(struct virtq *vq, uint64_t addr, uint32_t len, bool write, void *cookie)
{
	if (unlikely(vq->num_free == 0))
		return false;
	uint16_t id = vq->free_head;
	struct virtq_desc *d = &vq->desc[id];
	vq->free_head = d->next;
	vq->num_free--;
	d->addr = addr;
	d->len = len;
	d->flags = write ? VIRTQ_DESC_F_WRITE : 0;
	vq->cookie[id] = cookie;
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = id;
	vq->avail_idx++;
	return true;
}

bool virtq_publish(struct virtq *vq)
{
	uint16_t old = vq->kicked_idx, now = vq->avail_idx;
	if (old == now)
		return false;
	wmb_();                       /* §2.7.13.3.1: ring entries before idx */
	WR16(vq->avail->idx, now);
	vq->kicked_idx = now;
	mb_();                        /* §2.7.13.4: idx visible before we read the suppression */
	if (vq->event_idx)
		return virtq_need_event(AVAIL_EVENT(vq), now, old);
	return !(RD16(vq->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
}

bool virtq_has_used(const struct virtq *vq)
{
	return RD16(vq->used->idx) != vq->last_used;
}

void *virtq_get(struct virtq *vq, uint32_t *len)
{
	while (RD16(vq->used->idx) != vq->last_used) {
		rmb_();                   /* idx before the entry it covers (§2.7.14) */
		struct virtq_used_elem *e = &vq->used->ring[vq->last_used & (vq->size - 1)];
		uint32_t id = *(volatile uint32_t *)&e->id;
		uint32_t n = *(volatile uint32_t *)&e->len;
		vq->last_used++;
		/* The id comes from the device: never trust it to index our arrays. */
		if (unlikely(id >= vq->size || !vq->cookie[id])) {
			vq->bad_used++;
			continue;
		}
		void *cookie = vq->cookie[id];
		vq->cookie[id] = NULL;
		vq->desc[id].next = vq->free_head;
		vq->free_head = (uint16_t)id;
		vq->num_free++;
		*len = n;
		return cookie;
	}
	return NULL;
}

void virtq_disable_cb(struct virtq *vq)
{
	if (vq->event_idx) {
		/* §2.7.7: the device interrupts when used idx crosses used_event; an event
		 * behind everything consumed is not crossed again for 65535 entries. With
		 * EVENT_IDX avail->flags must stay 0 (§2.7.7.1). */
		WR16(USED_EVENT(vq), (uint16_t)(vq->last_used - 1));
	} else {
		WR16(vq->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
}

bool virtq_enable_cb(struct virtq *vq)
{
	if (vq->event_idx)
		WR16(USED_EVENT(vq), vq->last_used);
	else
		WR16(vq->avail->flags, 0);
	mb_();                        /* request visible before we look at used idx */
	if (virtq_has_used(vq)) {
		virtq_disable_cb(vq);
		return true;
	}
	return false;
}
