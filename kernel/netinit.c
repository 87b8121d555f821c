/* Network bring-up at boot. Interim: interrupts on, no interfaces yet; the drivers, the stack
 * and the appliance are wired in once they land. */
#include "kernel/kmain.h"
#include "arch/x86_64/io.h"

void net_bringup(const struct config *cfg)
{
	irq_on();
}
