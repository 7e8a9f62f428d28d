using IpsecFw.Esp.Buffers;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// The thread, batch and lifecycle that every data-path loop shares: rent one batch of buffers from the pool at
/// <see cref="Start"/>, then on a dedicated thread receive a batch, process it in place and deliver it, until
/// <see cref="Stop"/> wakes the blocked receive; every buffer goes back to the pool when the thread ends.
/// </summary>
/// <remarks>Derived loops say where batches come from (<see cref="Receive"/>), what happens to them
/// (<see cref="Process"/>, measured for allocations) and where they go (<see cref="Deliver"/>, not measured: a TUN
/// double may allocate by design).</remarks>
public abstract class PacketLoop
{
    private readonly PacketPool _pool;
    private readonly PacketBuffer[] _batch;
    private readonly Thread _thread;
    private readonly string _name;
    private int _rented;
    private volatile bool _stopping;
    private long _allocatedBytes;

    /// <summary>Creates the loop; nothing runs before <see cref="Start"/>.</summary>
    protected PacketLoop(PacketPool pool, int batchSize, string name)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _pool = pool;
        _name = name;
        _batch = new PacketBuffer[batchSize];
        _thread = new Thread(Run) { IsBackground = true, Name = "ipsecfw-" + name };
    }

    /// <summary>
    /// Bytes allocated on the loop thread by <see cref="Process"/>, summed over all batches. A test hook: it must stay
    /// flat once the loop is warm.
    /// </summary>
    internal long AllocatedBytesForTesting => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Rents the batch from the pool and starts the thread.</summary>
    /// <exception cref="InvalidOperationException">The pool has no buffer to spare (a start-up error).</exception>
    public void Start()
    {
        _rented = 0;
        while (_rented < _batch.Length && _pool.TryRent(out PacketBuffer? b))
        {
            _batch[_rented++] = b!;
        }

        if (_rented == 0)
        {
            throw new InvalidOperationException($"The packet pool has no buffer for the {_name} loop.");
        }

        _thread.Start();
    }

    /// <summary>
    /// Stops the loop: wakes the blocked receive (<see cref="Wake"/>) and waits up to <paramref name="timeout"/> for
    /// the thread to end. True when the thread has ended (its buffers are back in the pool).
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        Wake();
        return !_thread.IsAlive || _thread.Join(timeout);
    }

    /// <summary>Blocks until at least one packet is in <paramref name="batch"/>; 0 or less once closed.</summary>
    protected abstract int Receive(Span<PacketBuffer> batch);

    /// <summary>Processes the received packets in place.</summary>
    protected abstract void Process(ReadOnlySpan<PacketBuffer> batch);

    /// <summary>Hands on what <see cref="Process"/> kept (nothing by default).</summary>
    protected virtual void Deliver()
    {
    }

    /// <summary>Closes whatever <see cref="Receive"/> blocks on, so that it returns.</summary>
    protected abstract void Wake();

    private void Run()
    {
        try
        {
            Span<PacketBuffer> batch = _batch.AsSpan(0, _rented);
            while (!_stopping)
            {
                int n = Receive(batch);
                if (n <= 0)
                {
                    break; // closed or failed
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                Process(batch[..n]);
                Interlocked.Add(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread() - before);
                Deliver();
            }
        }
        finally
        {
            for (int i = 0; i < _rented; i++)
            {
                _pool.Return(_batch[i]);
            }

            _rented = 0;
        }
    }
}
