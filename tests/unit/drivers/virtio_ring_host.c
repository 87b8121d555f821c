/* The virtqueue code on the host: drivers/ is not part of the unit build, so the one copy
 * the driver tests link against is compiled here (drivers/net/virtio_ring.c is plain C). */
#include "drivers/net/virtio_ring.c"
