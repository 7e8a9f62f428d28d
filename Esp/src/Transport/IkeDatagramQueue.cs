using System.Net;
using System.Threading.Channels;

namespace IpsecFw.Esp.Transport;

/// <summary>
/// A bounded queue between the inbound packet thread and IKE: <see cref="TryDeliver"/> copies the message and never
/// blocks; when the queue is full the message is refused (the caller counts it). IKE reads <see cref="Reader"/>.
/// </summary>
/// <remarks>One writer (the inbound loop), any readers. Allocates per IKE message: IKE is the control plane.</remarks>
public sealed class IkeDatagramQueue : IIkeDatagramSink
{
    /// <summary>The default capacity in messages.</summary>
    public const int DefaultCapacity = 256;

    private readonly Channel<IkeDatagram> _channel;

    /// <summary>Creates a queue of at most <paramref name="capacity"/> messages.</summary>
    public IkeDatagramQueue(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _channel = Channel.CreateBounded<IkeDatagram>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
        });
    }

    /// <summary>The IKE side of the queue.</summary>
    public ChannelReader<IkeDatagram> Reader => _channel.Reader;

    /// <inheritdoc/>
    public bool TryDeliver(ReadOnlySpan<byte> message, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var copy = new SocketAddress(remote.Family, remote.Size);
        remote.Buffer.Span[..remote.Size].CopyTo(copy.Buffer.Span);
        return _channel.Writer.TryWrite(new IkeDatagram(message.ToArray(), copy));
    }

    /// <summary>Completes the queue: readers finish once they have drained it.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
