using System.Net;
using IpsecFw.Esp;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// The pieces of <c>ipsecfw sas</c> and of the engine's configuration that the daemon makes itself: algorithms back in
/// proposal syntax, states, traffic selectors from subnets, remote ID patterns. (Whole SAs are mapped in the
/// interop tests, where real ones exist.)
/// </summary>
public sealed class SaInfoMapperTests
{
    [Fact]
    public void Ike_algorithms_are_written_in_proposal_syntax()
    {
        Assert.True(Prf.TryGet(PrfAlgorithm.HmacSha384, out Prf? prf));
        Assert.Equal("aes256gcm16-prfsha384-x25519", SaInfoMapper.IkeAlgorithmsText(new IkeAlgorithms(IkeCipherSuite.AesGcm16Bits256, prf, KeyExchangeMethod.Curve25519)));
        Assert.True(Prf.TryGet(PrfAlgorithm.HmacSha256, out prf));
        Assert.Equal("aes128-sha256-prfsha256-ecp256", SaInfoMapper.IkeAlgorithmsText(new IkeAlgorithms(IkeCipherSuite.AesCbc128HmacSha256, prf, KeyExchangeMethod.Ecp256)));
    }

    [Theory]
    [InlineData(EspCipher.AesGcm256, true, KeyExchangeMethod.None, "aes256gcm16-esn")]
    [InlineData(EspCipher.AesGcm128, false, KeyExchangeMethod.None, "aes128gcm16")]
    [InlineData(EspCipher.ChaCha20Poly1305, true, KeyExchangeMethod.Modp2048, "chacha20poly1305-modp2048-esn")]
    public void Esp_algorithms_are_written_in_proposal_syntax(EspCipher cipher, bool esn, KeyExchangeMethod pfs, string expected) =>
        Assert.Equal(expected, SaInfoMapper.EspAlgorithmsText(new EspAlgorithms(cipher, esn, pfs)));

    [Fact]
    public void Written_algorithms_parse_again_with_the_shared_parser()
    {
        Assert.True(PeerProposals.TryCheckIke("aes256gcm16-prfsha384-x25519", out _));
        Assert.True(PeerProposals.TryCheckEsp("chacha20poly1305-modp2048-esn", out _));
    }

    [Theory]
    [InlineData(IkeSaState.Idle, "connecting")]
    [InlineData(IkeSaState.AuthSent, "connecting")]
    [InlineData(IkeSaState.Established, "established")]
    [InlineData(IkeSaState.Rekeyed, "rekeyed")]
    [InlineData(IkeSaState.Deleting, "deleting")]
    public void States_have_their_words(IkeSaState state, string word) => Assert.Equal(word, SaInfoMapper.State(state));

    [Fact]
    public void Subnets_become_range_selectors_and_no_subnet_means_the_host()
    {
        TrafficSelector ts = Assert.Single(PeerSaConfigs.Selectors(["198.19.2.0/24"], null));
        Assert.Equal((IPAddress.Parse("198.19.2.0"), IPAddress.Parse("198.19.2.255")), (ts.StartAddress, ts.EndAddress));
        Assert.Equal(["198.19.2.0/24"], TrafficSelectorPrefixes.ToNetworks(ts).Select(n => n.ToString()));
        TrafficSelector host = Assert.Single(PeerSaConfigs.Selectors([], IPAddress.Parse("198.18.0.1")));
        Assert.Equal((IPAddress.Parse("198.18.0.1"), IPAddress.Parse("198.18.0.1")), (host.StartAddress, host.EndAddress));
        Assert.Equal(IkeSaConfig.AnyIpv4, Assert.Single(PeerSaConfigs.Selectors([], null)));
    }

    [Theory]
    [InlineData("a.example.com", null, true)]
    [InlineData("example.com", null, false)]
    [InlineData("a.example.org", null, false)]
    [InlineData(null, "b.EXAMPLE.com", true)]
    public void Remote_id_patterns_match_a_label_before_the_suffix(string? commonName, string? dns, bool matches)
    {
        var peer = new PeerIdentity { CommonName = commonName, DnsNames = dns is null ? [] : [dns] };
        Assert.Equal(matches, SpdIkePolicy.MatchesPattern(peer, ".example.com"));
    }
}
