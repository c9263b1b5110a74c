#!/usr/bin/env python3
"""Delays every IP packet routed through a TUN device by a fixed time, then
hands it back to the kernel (written into the same device, it arrives as if
received there and is routed on). Honest per-packet delay where the kernel
has no netem. Usage: tun-delay.py DEVICE DELAY_MS. Prints READY; stops on
SIGTERM or when stdin closes."""
import asyncio, fcntl, os, signal, struct, sys

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000

def main():
    device, delay = sys.argv[1], float(sys.argv[2]) / 1000.0
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', device.encode(), IFF_TUN | IFF_NO_PI))
    loop = asyncio.new_event_loop()

    def release(packet):
        try:
            os.write(fd, packet)
        except OSError:
            pass  # device going away

    def readable():
        while True:
            try:
                packet = os.read(fd, 65535)
            except BlockingIOError:
                return
            loop.call_later(delay, release, packet)

    loop.add_reader(fd, readable)
    loop.add_reader(sys.stdin.fileno(), lambda: loop.stop() if not os.read(sys.stdin.fileno(), 4096) else None)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print('READY', flush=True)
    loop.run_forever()

main()
