# An independent MOUNT v3 client for the interop tests: MNT over UDP with struct, prints the handle as hex.
# usage: python3 mount-mnt.py HOST PORT PATH
import socket
import struct
import sys

host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
padded = path + b"\0" * (-len(path) % 4)
xid = 0x6E667370
# xid, CALL, rpcvers 2, MOUNT 100005, version 3, MNT 1, AUTH_NONE cred, AUTH_NONE verifier, dirpath
call = struct.pack(">6I", xid, 0, 2, 100005, 3, 1) + struct.pack(">4I", 0, 0, 0, 0)
call += struct.pack(">I", len(path)) + padded
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(5)
sock.sendto(call, (host, port))
reply = sock.recv(65536)
rxid, mtype, reply_stat, vflavor, vlen = struct.unpack(">5I", reply[:20])
assert rxid == xid and mtype == 1 and reply_stat == 0, "not an accepted reply"
at = 20 + vlen + (-vlen % 4)
accept_stat, status = struct.unpack(">2I", reply[at : at + 8])
assert accept_stat == 0, "accept_stat %d" % accept_stat
assert status == 0, "mountstat3 %d" % status
(fhlen,) = struct.unpack(">I", reply[at + 8 : at + 12])
print(reply[at + 12 : at + 12 + fhlen].hex())
