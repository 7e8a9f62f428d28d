using System.Net;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>
/// Encapsulation by NAT detection (RFC 7296 2.23, RFC 3948) when neither side forces it (<c>ike.encapsulation:
/// auto</c>): no NAT gives raw ESP; a NAT that rewrites the initiator's address and port makes the hashes mismatch, and
/// both sides then encapsulate, on port 4500.
/// </summary>
public sealed class NatDetectionAutoTests
{
    // The NAT in front of the initiator: its public address, and the port it gives each of the initiator's ports.
    private static readonly IPAddress s_public = IPAddress.Parse("198.18.9.9");

    [Fact]
    public void Without_a_nat_the_child_sa_is_raw_esp_on_both_sides()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k") with { ForceUdpEncapsulation = false },
            IkePair.Config("right.example.com", "k") with { ForceUdpEncapsulation = false });
        pair.Establish();
        Assert.False(pair.Initiator!.UdpEncapsulation);
        Assert.False(pair.Responder!.UdpEncapsulation);
        Assert.False(pair.Initiator.Children[0].UdpEncapsulated);
        Assert.False(pair.Responder.Children[0].UdpEncapsulated);
    }

    [Fact]
    public void Behind_a_nat_the_hashes_mismatch_and_both_sides_encapsulate()
    {
        var pair = new IkePair(IkePair.Config("left.example.com", "k") with { ForceUdpEncapsulation = false },
            IkePair.Config("right.example.com", "k") with { ForceUdpEncapsulation = false });
        pair.Start();
        for (int i = 0; i < 100; i++)
        {
            if (pair.InitiatorHost.Outbox.TryDequeue(out var up))
            {
                // Source NAT: the responder sees the public address and a translated port.
                pair.DeliverToResponder(up.Message, new IPEndPoint(s_public, Translate(up.Local.Port)), up.Remote);
            }
            else if (pair.ResponderHost.Outbox.TryDequeue(out var down))
            {
                Assert.Equal(s_public, down.Remote.Address);
                var inside = new IPEndPoint(IkePair.InitiatorAddress.Address, Untranslate(down.Remote.Port));
                pair.Initiator!.Receive(down.Message, inside, down.Local);
            }
            else
            {
                break;
            }
        }

        Assert.Equal(IkeSaState.Established, pair.Initiator!.State);
        Assert.Equal(IkeSaState.Established, pair.Responder!.State);
        Assert.True(pair.Initiator.NatLocal);
        Assert.False(pair.Initiator.NatRemote);
        Assert.True(pair.Responder.NatRemote);
        Assert.False(pair.Responder.NatLocal);
        Assert.True(pair.Initiator.Children[0].UdpEncapsulated);
        Assert.True(pair.Responder.Children[0].UdpEncapsulated);
        Assert.Equal(4500, pair.Initiator.LocalEndPoint.Port);
        Assert.Equal(new IPEndPoint(s_public, Translate(4500)), pair.Responder.Children[0].RemoteEndPoint);
    }

    private static int Translate(int port) => port == 500 ? 31000 : 31001;

    private static int Untranslate(int port) => port == 31000 ? 500 : 4500;
}
