namespace IpsecFw.Esp.Buffers;

/// <summary>
/// A bounded pool of <see cref="PacketBuffer"/>s, all allocated up front: renting and returning allocate nothing.
/// When the pool is empty, <see cref="TryRent"/> fails and the caller drops or waits, as wireguard-go's WaitPool does.
/// </summary>
/// <remarks>Safe for concurrent use (a short lock around an array stack).</remarks>
public sealed class PacketPool
{
    private readonly PacketBuffer[] _free;
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>Creates <paramref name="capacity"/> buffers for packets of up to <paramref name="maxPacket"/> bytes.</summary>
    public PacketPool(int capacity, int maxPacket = PacketBuffer.DefaultMaxPacket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _free = new PacketBuffer[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _free[i] = new PacketBuffer(maxPacket);
        }

        _count = capacity;
        Capacity = capacity;
    }

    /// <summary>How many buffers the pool owns.</summary>
    public int Capacity { get; }

    /// <summary>Buffers currently in the pool.</summary>
    public int Available => Volatile.Read(ref _count);

    /// <summary>Takes a buffer, reset to the headroom offset; false if none is free.</summary>
    public bool TryRent(out PacketBuffer? buffer)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                buffer = null;
                return false;
            }

            buffer = _free[--_count];
            _free[_count] = null!;
        }

        buffer.Reset();
        return true;
    }

    /// <summary>Gives a buffer back. Returning more buffers than were rented is a bug and throws.</summary>
    public void Return(PacketBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        lock (_lock)
        {
            if (_count == _free.Length)
            {
                throw new InvalidOperationException("More buffers returned than the pool owns.");
            }

            _free[_count++] = buffer;
        }
    }
}
