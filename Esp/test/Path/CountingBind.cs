using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Testing;
using IpsecFw.Esp.Transport;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>An <see cref="InMemoryBind"/> end that counts what was sent through it: which bind a packet took.</summary>
internal sealed class CountingBind(InMemoryBind inner) : IDatagramBind
{
    private long _sent;

    /// <summary>The wrapped end (its <see cref="InMemoryBind.Inject"/> reaches the peer's receiver).</summary>
    public InMemoryBind Inner { get; } = inner;

    /// <summary>Datagrams handed to <see cref="Send"/> and accepted.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public int BatchSize => Inner.BatchSize;

    public int Receive(Span<PacketBuffer> bufs, Span<SocketAddress> remotes) => Inner.Receive(bufs, remotes);

    public int Send(ReadOnlySpan<PacketBuffer> bufs, SocketAddress remote)
    {
        int sent = Inner.Send(bufs, remote);
        Interlocked.Add(ref _sent, sent);
        return sent;
    }

    public void Dispose() => Inner.Dispose();
}
