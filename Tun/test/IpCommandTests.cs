using System.Runtime.Versioning;
using IpsecFw.Tun.Tests.Harness;

namespace IpsecFw.Tun.Tests;

[Trait("Category", "Tun")]
[SupportedOSPlatform("linux")]
public class IpCommandTests
{
    [Fact]
    public void A_failing_command_is_a_TunException_with_ip_s_own_message()
    {
        TunNamespace.SkipUnlessPossible();
        var e = Assert.Throws<TunException>(() => new IpCommand().SetUp("ipsecfw-none0"));
        Assert.Contains("ip link set dev ipsecfw-none0 up", e.Message, StringComparison.Ordinal);
        Assert.Contains("ipsecfw-none0", e.Message[e.Message.IndexOf(':', StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.NotEqual(0, e.ErrorCode);
    }

    [Fact]
    public void Addresses_and_routes_are_set_in_the_named_namespace_only()
    {
        using TunNamespace ns = TunNamespace.Create();
        ns.Ip.AddRoute(TunNamespace.DeviceName, System.Net.IPNetwork.Parse("198.19.0.0/16"));
        ns.Ip.AddRoute(TunNamespace.DeviceName, System.Net.IPNetwork.Parse("2001:2:0:1::/64"));
        string addresses = ns.Ip.Run("address", "show", "dev", TunNamespace.DeviceName);
        Assert.Contains("inet 198.18.5.1/24", addresses, StringComparison.Ordinal);
        Assert.Contains("inet6 2001:2::1/64", addresses, StringComparison.Ordinal);
        Assert.Contains("198.19.0.0/16 dev ipsecfw0", ns.Ip.Run("-4", "route", "show"), StringComparison.Ordinal);
        Assert.Contains("2001:2:0:1::/64 dev ipsecfw0", ns.Ip.Run("-6", "route", "show"), StringComparison.Ordinal);
        Assert.DoesNotContain("198.19.0.0/16", new IpCommand().Run("-4", "route", "show"), StringComparison.Ordinal);
    }
}
