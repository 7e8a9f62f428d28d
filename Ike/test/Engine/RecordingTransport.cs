using System.Net;
using IpsecFw.Ike.Engine;

namespace IpsecFw.Ike.Tests.Engine;

/// <summary>An engine's transport that keeps what it sends, for tests that step the engine by hand with <see cref="IkeEngine.Handle"/>.</summary>
internal sealed class RecordingTransport : IIkeTransport
{
    public Queue<(byte[] Message, IPEndPoint Local, IPEndPoint Remote)> Sent { get; } = new();

    public void Send(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote) => Sent.Enqueue((message.ToArray(), local, remote));
}
