#!/usr/bin/python3
"""subscriber - an example partner subscriber of one Hetao event stream, in
Python with Debian's python3-zmq and python3-protobuf and the classes protoc
makes from proto/ (protoc --python_out=. -I proto proto/hetao/v1/*.proto).

Subscribes first, then reads what it missed with system.ReadEvents, then
follows the live feed; a jump in sequence is read back, so every event is
printed once and in order. Keep `last` durable in a real subscriber.

    subscriber.py REQUESTS EVENTS SERVER_CERT CLIENT_CERT STREAM [AFTER [COUNT]]
"""
import sys
import uuid

import zmq
import zmq.auth
from hetao.v1 import envelope_pb2, system_pb2


def main(requests_at, events_at, server_cert, client_cert, stream, after=0, count=None):
    server_key, _ = zmq.auth.load_certificate(server_cert)
    public, secret = zmq.auth.load_certificate(client_cert.replace("_secret", "") + "_secret")
    context = zmq.Context.instance()
    events, requests = context.socket(zmq.SUB), context.socket(zmq.REQ)
    for sock in (events, requests):
        sock.curve_publickey, sock.curve_secretkey, sock.curve_serverkey = public, secret, server_key
        sock.rcvtimeo = 10000
    events.setsockopt_string(zmq.SUBSCRIBE, stream + ".")     # subscribe first: nothing is lost
    events.connect(events_at)
    requests.connect(requests_at)
    last, left = int(after), int(count) if count is not None else float("inf")

    def show(event):
        nonlocal last, left
        print(event.stream, event.sequence, event.type, event.aggregate_id or "-", flush=True)
        last, left = event.sequence, left - 1

    def read_back():
        while left > 0:
            read = system_pb2.ReadEventsRequest(stream=stream, after_sequence=last, limit=1000)
            requests.send(envelope_pb2.Request(request_id=str(uuid.uuid4()), method="system.ReadEvents",
                                               payload=read.SerializeToString()).SerializeToString())
            reply = envelope_pb2.Reply.FromString(requests.recv())
            if reply.status != envelope_pb2.OK:
                sys.exit("subscriber: ReadEvents: " + reply.message)
            page = system_pb2.ReadEventsReply.FromString(reply.payload)
            for event in page.events[:int(min(left, len(page.events)))]:
                show(event)
            if len(page.events) < 1000:
                return

    read_back()
    while left > 0:
        try:
            _topic, body = events.recv_multipart()
        except zmq.Again:
            read_back()                     # quiet for a while: look for what was missed
            continue
        event = envelope_pb2.Event.FromString(body)
        if event.sequence == last + 1:
            show(event)
        elif event.sequence > last + 1:
            read_back()


if __name__ == "__main__":
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
