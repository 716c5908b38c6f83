#!/usr/bin/env python3
"""Sends Art-Net (PyPI `stupidArtnet` 1.6) or sACN/E1.31 (PyPI `sacn` 1.11) to a receiver, for the
LED facade tests: a sender nobody on the quai project wrote, used to check the receivers
(tests/common/ola.rs, tests/tools/led_capture.py) without quai.

  led_send.py artnet --universe 1 --values 10,20,30 [--dest 127.0.0.1] [--seconds 2] [--fps 30] [--sync]
  led_send.py sacn   --universe 1 --values 10,20,30 [--dest 127.0.0.1] [--seconds 2] [--fps 30]
                     [--priority 100] [--source-name NAME] [--sync 7] [--terminate]

Art-Net --universe is the 15-bit port-address (net << 8 | subnet << 4 | universe). Both send from an
ephemeral UDP port (never 6454/5568, which olad holds). sACN is unicast to --dest; --sync N sends
every frame with sync address N followed by an E1.31 sync packet (the `sacn` library sends that sync
packet by multicast to 239.255.N.N, not to --dest); --terminate ends with the three stream-terminated
packets of E1.31 §6.2.6. Prints one line when done: {"sent": frames}.
"""

import argparse
import json
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("proto", choices=["artnet", "sacn"])
    ap.add_argument("--universe", type=int, required=True)
    ap.add_argument("--values", default="", help="comma-separated channel values from channel 1")
    ap.add_argument("--dest", default="127.0.0.1")
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--fps", type=float, default=30)
    ap.add_argument("--priority", type=int, default=100)
    ap.add_argument("--source-name", default="led_send.py")
    ap.add_argument("--sync", nargs="?", const=-1, type=int, default=None,
                    help="artnet: send ArtSync after each frame; sacn: sync universe N")
    ap.add_argument("--terminate", action="store_true", help="sacn: end with stream-terminated packets")
    args = ap.parse_args()

    values = [int(v) for v in args.values.split(",") if v.strip()]
    frames = max(1, int(args.seconds * args.fps))
    period = 1.0 / args.fps
    sent = 0
    if args.proto == "artnet":
        from stupidArtnet import StupidArtnet

        a = StupidArtnet(args.dest, args.universe, 512, int(args.fps), artsync=args.sync is not None)
        a.set(bytearray(values + [0] * (512 - len(values))))
        for _ in range(frames):
            a.show()  # also sends ArtSync when artsync=True
            sent += 1
            time.sleep(period)
        a.close()
    else:
        import sacn

        kw = {"sync_universe": args.sync} if args.sync not in (None, -1) else {}
        s = sacn.sACNsender(bind_address="0.0.0.0", bind_port=0, source_name=args.source_name,
                            fps=int(args.fps), universeDiscovery=False, **kw)
        s.start()
        s.activate_output(args.universe)
        out = s[args.universe]
        out.destination = args.dest
        out.multicast = False
        out.priority = args.priority
        out.dmx_data = tuple(values)
        if args.sync is not None:
            s.manual_flush = True
            for _ in range(frames):
                s.flush()
                sent += 1
                time.sleep(period)
        else:
            time.sleep(args.seconds)  # the library's own thread sends at --fps (and on change)
            sent = frames
        if args.terminate:
            s.deactivate_output(args.universe)
        s.stop()
    print(json.dumps({"sent": sent}), flush=True)


if __name__ == "__main__":
    main()
