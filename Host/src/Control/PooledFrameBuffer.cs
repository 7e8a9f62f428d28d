using System.Buffers;
using System.Buffers.Binary;

namespace IpsecFw.Host.Control;

/// <summary>
/// One outgoing control frame (<see cref="ControlFraming"/>) built in a buffer rented from
/// <see cref="ArrayPool{T}.Shared"/>: the serializer writes the JSON through <see cref="IBufferWriter{T}"/> after room
/// for the length prefix, and <see cref="Frame"/> fills the prefix in. An answer to <c>sas</c> with 1,000 SAs is
/// several hundred KB; serialized to a new array and copied into a new frame, each poll left two such arrays on the
/// large object heap until the next full collection (docs/performance.md, "Memory with 1,000 SAs"). Rented buffers
/// go back to the pool on <see cref="Dispose"/>. Not thread-safe.
/// </summary>
internal sealed class PooledFrameBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written = ControlFraming.HeaderLength;

    /// <summary>A frame with room for at least <paramref name="initialCapacity"/> bytes of payload before it grows.</summary>
    public PooledFrameBuffer(int initialCapacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        _buffer = ArrayPool<byte>.Shared.Rent(ControlFraming.HeaderLength + initialCapacity);
    }

    /// <summary>Bytes of payload written so far.</summary>
    public int PayloadLength => _written - ControlFraming.HeaderLength;

    /// <summary>The whole frame: the big-endian length of the payload, then the payload.</summary>
    /// <exception cref="InvalidOperationException">The payload is empty or longer than <see cref="ControlFraming.MaxFrameLength"/>.</exception>
    public ReadOnlyMemory<byte> Frame
    {
        get
        {
            if (PayloadLength is 0 or > ControlFraming.MaxFrameLength)
            {
                throw new InvalidOperationException($"a frame holds 1 to {ControlFraming.MaxFrameLength} bytes, not {PayloadLength}");
            }

            BinaryPrimitives.WriteUInt32BigEndian(_buffer, (uint)PayloadLength);
            return _buffer.AsMemory(0, _written);
        }
    }

    /// <summary>Discards the payload written so far (the buffer is kept).</summary>
    public void Clear() => _written = ControlFraming.HeaderLength;

    /// <inheritdoc />
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _written);
        _written += count;
    }

    /// <inheritdoc />
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc />
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Reserve(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        // Doubling keeps the copies linear in the frame's size; the pool rounds up to a power of two anyway.
        int size = (int)Math.Min(Math.Max((long)_buffer.Length * 2, (long)_written + needed), Array.MaxLength);
        byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
