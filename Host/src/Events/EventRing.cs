namespace IpsecFw.Host.Events;

/// <summary>
/// The bounded queue between the packet path and the event writer: a preallocated ring of <see cref="IdsEvent"/>
/// slots with a sequence number each (Dmitry Vyukov's bounded MPMC queue, used here with one consumer).
/// <see cref="TryWrite"/> never blocks and never allocates: when the ring is full the event is dropped and counted.
/// </summary>
/// <remarks>
/// <see cref="TryWrite"/> is safe from any number of threads at once (the inbound and outbound packet loops, the IKE
/// loop); <see cref="TryRead"/> must be called by one thread at a time (the writer).
/// </remarks>
internal sealed class EventRing
{
    private readonly IdsEvent[] _items;
    private readonly long[] _sequences;
    private readonly long _mask;
    private long _enqueue;
    private long _dequeue;
    private long _dropped;

    /// <summary>A ring of <paramref name="capacity"/> slots, a power of two.</summary>
    public EventRing(int capacity)
    {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "a power of two, at least 2");
        }

        _items = new IdsEvent[capacity];
        _sequences = new long[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _sequences[i] = i;
        }

        _mask = capacity - 1;
    }

    /// <summary>The number of slots.</summary>
    public int Capacity => _items.Length;

    /// <summary>Events refused because the ring was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Copies <paramref name="item"/> into a free slot; false (counted in <see cref="Dropped"/>) when none is free.</summary>
    public bool TryWrite(in IdsEvent item)
    {
        long position = Volatile.Read(ref _enqueue);
        while (true)
        {
            int index = (int)(position & _mask);
            long difference = Volatile.Read(ref _sequences[index]) - position;
            if (difference == 0)
            {
                if (Interlocked.CompareExchange(ref _enqueue, position + 1, position) == position)
                {
                    _items[index] = item;
                    Volatile.Write(ref _sequences[index], position + 1);
                    return true;
                }

                position = Volatile.Read(ref _enqueue);
            }
            else if (difference < 0)
            {
                // The slot still holds an event from one lap ago: the ring is full.
                Interlocked.Increment(ref _dropped);
                return false;
            }
            else
            {
                position = Volatile.Read(ref _enqueue);
            }
        }
    }

    /// <summary>Takes the oldest event, if any (single consumer). The slot's references are cleared.</summary>
    public bool TryRead(out IdsEvent item)
    {
        long position = _dequeue;
        int index = (int)(position & _mask);
        if (Volatile.Read(ref _sequences[index]) != position + 1)
        {
            item = default;
            return false;
        }

        item = _items[index];
        _items[index] = default;
        Volatile.Write(ref _sequences[index], position + _items.Length);
        _dequeue = position + 1;
        return true;
    }
}
