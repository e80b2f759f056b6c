#ifndef DESK_CZEROMQ_SHIM_H
#define DESK_CZEROMQ_SHIM_H

#include <zmq.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#endif
