/*
 * For SandpitPluginKit: dladdr, which glibc declares only under _GNU_SOURCE (and so Swift's
 * Glibc module does not show). Lets a Swift plugin find files shipped beside it.
 */
#ifndef SANDPIT_KIT_SHIMS_H
#define SANDPIT_KIT_SHIMS_H

/* The path of the loaded object that contains `address`, or NULL. */
const char *sandpit_kit_image_path(const void *address);

#endif
