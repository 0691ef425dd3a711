"""The outbox port every producer queues through: queue, cancel, claim, record; the channel adapter
contract; message templates; who may be reached on which channel."""
