using System.Net;
using System.Text;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary><c>ike.encapsulation</c> as the engine sees it: <c>force</c> (the default) fakes NAT detection, <c>auto</c> does not.</summary>
public sealed class PeerSaConfigsEncapsulationTests : IDisposable
{
    private static readonly IPAddress s_me = IPAddress.Parse("198.18.0.1");
    private readonly PskAuthenticator _psk = new(Encoding.UTF8.GetBytes("k"), new LocalIdentity(IdType.Fqdn, Encoding.ASCII.GetBytes("a.example.com")));

    public void Dispose() => _psk.Dispose();

    [Theory]
    [InlineData(null, true)]
    [InlineData(EspEncapsulation.Force, true)]
    [InlineData(EspEncapsulation.Auto, false)]
    public void Only_auto_lets_nat_detection_decide(EspEncapsulation? encapsulation, bool forced)
    {
        var peer = new PeerOptions { Name = "gw", Address = "198.18.0.2" };
        IkeOptions? ike = encapsulation is { } e ? new IkeOptions { Encapsulation = e } : null;
        Assert.Equal(forced, PeerSaConfigs.Build(peer, _psk, s_me, ike).ForceUdpEncapsulation);
    }
}
