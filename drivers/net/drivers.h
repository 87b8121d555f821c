/* Network driver registration: each driver adds its struct pci_driver to the PCI core.
 * kmain calls these before pci_init(), which then probes devices in discovery order. */
#ifndef DRIVERS_NET_DRIVERS_H
#define DRIVERS_NET_DRIVERS_H

void e1000_register(void);       /* 82540EM/82545EM ("e1000") and 82574L ("e1000e") */
void virtio_net_register(void);  /* virtio-net, legacy and modern */

#endif
