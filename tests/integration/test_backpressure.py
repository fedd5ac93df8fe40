"""Slow readers: no reply is dropped, subscribers' queues are bounded, and a subscriber that
fell behind learns it from the heartbeat and catches up.

A DEALER client pipelines 10,000 requests and reads its replies slowly; a
subscriber stops reading while thousands of events are published, then
resumes on a quiet stream.
"""
import time
import unittest

import psycopg2
import zmq

from harness import (ServiceTest, Status, decode, envelope_pb2, new_key, org_request, read_events, registry_pb2,
                     system_pb2, wait_for)

R = registry_pb2
HEARTBEAT = "hetao.heartbeat"
HEARTBEAT_MS = 500


class SlowReaders(ServiceTest):
    workers = 4
    args = ("--rate-limit", "0", "--heartbeat-ms", str(HEARTBEAT_MS), "--relay-poll-ms", "20")

    def test_10000_pipelined_requests_read_slowly_get_10000_replies(self):
        org = decode(self.svc.call("registry.RegisterOrganization", org_request(1), key=new_key()),
                     R.OrganizationReply).organization
        payload = R.GetOrganizationRequest(id=org.id).SerializeToString()
        total, sent, replies = 10000, 0, {}
        client = self.svc.client()
        self.addCleanup(client.close)
        sock = client.sock

        def send_what_fits():
            nonlocal sent
            while sent < total:
                request = envelope_pb2.Request(request_id="p-%d" % sent, method="registry.GetOrganization",
                                               payload=payload)
                try:
                    sock.send_multipart([b"", request.SerializeToString()], zmq.NOBLOCK)
                except zmq.Again:
                    return
                sent += 1

        # Two seconds of sending without reading a single reply: the service's
        # queue to this client fills up long before that.
        stalled_until = time.monotonic() + 2
        while time.monotonic() < stalled_until:
            send_what_fits()
            time.sleep(0.01)
        deadline = time.monotonic() + 180
        while len(replies) < total and time.monotonic() < deadline:
            send_what_fits()
            for _ in range(50):             # then read slowly: 50 replies, a pause
                if not sock.poll(0):
                    break
                reply = envelope_pb2.Reply.FromString(sock.recv_multipart()[-1])
                replies[reply.request_id] = reply.status
            time.sleep(0.002)
        self.assertEqual(sent, total)
        self.assertEqual(len(replies), total, "%d of %d replies never came" % (total - len(replies), total))
        self.assertEqual(set(replies), {"p-%d" % i for i in range(total)})
        self.assertEqual({Status.Name(s) for s in replies.values()}, {"OK"})
        self.assertNotIn("reply dropped", self.svc.log_text())

    def test_heartbeat_carries_each_streams_last_sequence_to_subscribers_of_its_topic_only(self):
        org = decode(self.svc.call("registry.RegisterOrganization", org_request(2), key=new_key()),
                     R.OrganizationReply).organization
        last = wait_for(lambda: [e.sequence for e in read_events(self.svc) if e.aggregate_id == org.id], seconds=5)
        beats = self.svc.subscribe(HEARTBEAT)
        self.addCleanup(beats.close)
        stream_only = self.svc.subscribe("registry.")
        self.addCleanup(stream_only.close)
        self.assertTrue(beats.poll(HEARTBEAT_MS * 10), "no heartbeat within 10 heartbeat intervals")
        topic, body = beats.recv_multipart()
        self.assertEqual(topic, HEARTBEAT.encode())
        heartbeat = system_pb2.Heartbeat.FromString(body)
        self.assertEqual(heartbeat.service, "registry")
        self.assertEqual([p.stream for p in heartbeat.streams], ["registry"])
        self.assertGreaterEqual(heartbeat.streams[0].last_sequence, last[0])
        self.assertTrue(heartbeat.streams[0].relay_active)
        time.sleep(HEARTBEAT_MS * 3 / 1000)
        while stream_only.poll(0):
            self.assertTrue(stream_only.recv_multipart()[0].startswith(b"registry."),
                            "a subscriber of registry. received something else")

    def test_stalled_subscriber_loses_live_events_beyond_its_bounded_queue_and_catches_up_from_the_heartbeat(self):
        sub = zmq.Context.instance().socket(zmq.SUB)
        self.svc.admin.apply(sub, self.svc.server.public)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.RCVHWM, 10)
        sub.setsockopt(zmq.RCVBUF, 4096)
        sub.setsockopt_string(zmq.SUBSCRIBE, "registry.")
        sub.setsockopt_string(zmq.SUBSCRIBE, HEARTBEAT)
        sub.connect(self.svc.events_endpoint)
        self.addCleanup(sub.close)
        self.assertTrue(sub.poll(HEARTBEAT_MS * 10), "not subscribed")
        before = read_events(self.svc)
        last_seen = before[-1].sequence if before else 0
        # 5,000 events of 1 KiB, committed at once while the subscriber reads nothing.
        count = 5000
        conn = psycopg2.connect(self.svc.db.dsn)
        self.addCleanup(conn.close)
        with conn.cursor() as cur:
            cur.execute("INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
                        " SELECT 'registry', 'registry.test.bulk', 'bulk-' || n, 'bulk', %s"
                        " FROM generate_series(1, %s) AS n", (psycopg2.Binary(b"x" * 1024), count))
        conn.commit()
        final = last_seen + count
        self.assertTrue(wait_for(lambda: self.svc.db.query(
            "SELECT last_seq FROM ht_stream WHERE stream = 'registry'")[0][0] >= final, seconds=30))
        time.sleep(HEARTBEAT_MS * 4 / 1000)     # the stream is quiet now; the subscriber still stalled
        # Resume, as a subscriber following docs/protocol.md does.
        live, heartbeats_until_caught_up, caught_up = 0, 0, None
        resumed_us = int(time.time() * 1e6)
        deadline = time.monotonic() + 30
        while caught_up is None and time.monotonic() < deadline:
            if not sub.poll(1000):
                continue
            topic, body = sub.recv_multipart()
            if topic == HEARTBEAT.encode():
                heartbeat = system_pb2.Heartbeat.FromString(body)
                if heartbeat.sent_at_us > resumed_us:       # not one queued while stalled
                    heartbeats_until_caught_up += 1
                position = heartbeat.streams[0]
                if position.last_sequence > last_seen:
                    missed = read_events(self.svc, after=last_seen)
                    self.assertEqual([e.sequence for e in missed], list(range(last_seen + 1, position.last_sequence + 1)))
                    last_seen = position.last_sequence
                if last_seen >= final and heartbeats_until_caught_up:
                    caught_up = heartbeats_until_caught_up
                continue
            event = envelope_pb2.Event.FromString(body)
            if event.sequence == last_seen + 1:
                last_seen, live = event.sequence, live + 1
            elif event.sequence > last_seen + 1:
                missed = read_events(self.svc, after=last_seen, limit=1000)
                last_seen = max([last_seen] + [e.sequence for e in missed])
        self.assertEqual(caught_up, 1 if caught_up else None,
                         "the subscriber did not catch up at the first heartbeat after resuming")
        self.assertLess(live, count, "every event was queued for a stalled subscriber: the queue is not bounded")


if __name__ == "__main__":
    unittest.main()
