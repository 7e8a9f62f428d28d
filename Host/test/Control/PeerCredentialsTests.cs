using System.Net.Sockets;
using IpsecFw.Host.Control;
using IpsecFw.Host.Tests.Support;

namespace IpsecFw.Host.Tests.Control;

/// <summary>SO_PEERCRED reads the connecting process's uid (here: our own).</summary>
public sealed class PeerCredentialsTests
{
    [Fact]
    public async Task The_peer_uid_is_the_connecting_process_uid()
    {
        using var dir = new TempDirectory();
        var endpoint = new UnixDomainSocketEndPoint(dir.File("p.sock"));
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(endpoint);
        listener.Listen(1);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(endpoint, TestContext.Current.CancellationToken);
        using Socket accepted = await listener.AcceptAsync(TestContext.Current.CancellationToken);

        uint? own = PeerCredentials.EffectiveUid();
        Assert.NotNull(own);
        Assert.Equal(own, PeerCredentials.TryGetUid(accepted));
    }
}
