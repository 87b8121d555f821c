/* NAT (placeholder until it lands). */
#include "net/nat.h"
