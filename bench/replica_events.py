"""What both Python replicas (baseline_python.py on Thrift, baseline_python_grpc.py on gRPC) share:
the original app's event loop. paho-mqtt subscribed to the RMON event log; each notification parsed
in paho's on_message callback (json + the regex of the event text) and the replica's route call made
there, synchronously; paho's loop_forever() on the main thread. Prints "ready" once subscribed.
"""
import json
import re

import paho.mqtt.client as mqtt

RMON = re.compile(r'Event (\d+) triggered by Alarm (\d+), (rising|falling) threshold \(([\d.]+)\) crossed, '
                  r'\(variable: ifIn1SecRate\.(\d+), value: ([\d.]+)\)')


def prefix_address(ifindex):
    """The bench's host route of an interface: 10.<i>>16>.<i>>8>.<i> (the /32 is the caller's)."""
    return '10.%d.%d.%d' % ((ifindex >> 16) & 255, (ifindex >> 8) & 255, ifindex & 255)


def run(client_id, mqtt_port, topic, qos, on_event):
    """Subscribes `topic` at `qos` on 127.0.0.1:`mqtt_port` and calls on_event(direction, ifindex)
    for each RMON event, in paho's callback; never returns."""

    def on_connect(client, userdata, flags, rc):
        client.subscribe(topic, qos=qos)

    def on_subscribe(client, userdata, mid, granted_qos):
        print('ready', flush=True)

    def on_message(client, userdata, msg):
        try:
            event = json.loads(msg.payload)['jet-event']
            m = RMON.search(event['attributes']['message'])
        except (ValueError, KeyError, TypeError):
            return
        if not m:
            return
        on_event(m.group(3), int(m.group(5)))

    # paho-mqtt 2.x wants the callback API version; 1.x (Debian 12: 1.6.1) has no such argument.
    if hasattr(mqtt, 'CallbackAPIVersion'):
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=client_id, clean_session=True)
    else:
        client = mqtt.Client(client_id=client_id, clean_session=True)
    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    client.connect('127.0.0.1', mqtt_port, keepalive=60)
    client.loop_forever()
