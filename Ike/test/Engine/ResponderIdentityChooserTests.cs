using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Sa;

namespace IpsecFw.Ike.Tests.Engine;

public sealed class ResponderIdentityChooserTests
{
    private static readonly IPEndPoint s_from = new(IPAddress.Parse("198.18.0.9"), 4500);
    private static readonly IkeSaConfig s_any = IkePair.Config("gw", "k") with { Name = "any" };
    private static readonly IkeSaConfig s_suffix = IkePair.Config("gw", "k") with { Name = "suffix" };
    private static readonly IkeSaConfig s_exact = IkePair.Config("gw", "k") with { Name = "exact" };
    private static readonly IkeSaConfig s_here = IkePair.Config("gw", "k") with { Name = "here" };

    private static IdPayload Fqdn(string name) => new(true, IdType.Fqdn, Encoding.ASCII.GetBytes(name));

    private static IdPayload Dn(string dn) => new(true, IdType.DerAsn1Dn, new X500DistinguishedName(dn).RawData);

    private static LocalIdentity Id(string text) => IdentityText.Parse(text);

    [Theory]
    [InlineData("db.example.com", "exact")]      // exact remote ID beats the suffix and the catch-all
    [InlineData("web.example.com", "suffix")]    // the suffix beats the catch-all
    [InlineData("example.com", "any")]           // a suffix needs a label before it
    [InlineData("db.example.org", "any")]
    public void Ranks_exact_then_suffix_then_any(string fqdn, string expected)
    {
        var chooser = new ResponderIdentityChooser(
        [
            new ResponderCandidate(s_any, null, null, null),
            new ResponderCandidate(s_suffix, null, ".example.com", null),
            new ResponderCandidate(s_exact, Id("@db.example.com"), null, null),
        ]);
        Assert.Equal(expected, chooser.Choose(Fqdn(fqdn), s_from, null)!.Name);
    }

    [Fact]
    public void A_dn_fits_a_suffix_by_its_common_name_and_an_exact_dn_by_equivalence()
    {
        var chooser = new ResponderIdentityChooser(
        [
            new ResponderCandidate(s_suffix, null, ".laptops.example.com", null),
            new ResponderCandidate(s_exact, Id("CN=db.example.com,O=Example"), null, null),
        ]);
        Assert.Equal("suffix", chooser.Choose(Dn("CN=l1.laptops.example.com,O=Example"), s_from, null)!.Name);
        Assert.Equal("exact", chooser.Choose(Dn("CN=db.example.com,O=Example"), s_from, null)!.Name);
        Assert.Null(chooser.Choose(Dn("CN=db.example.com,O=Other"), s_from, null));
        Assert.Null(chooser.Choose(Fqdn("mallory.example.net"), s_from, null));
    }

    [Fact]
    public void Among_equal_identity_matches_the_address_choice_then_the_address_then_order_decide()
    {
        var chooser = new ResponderIdentityChooser(
        [
            new ResponderCandidate(s_any, null, null, IPAddress.Parse("198.18.0.50")),
            new ResponderCandidate(s_here, null, null, s_from.Address),
            new ResponderCandidate(s_suffix, null, null, null),
        ]);
        Assert.Equal("here", chooser.Choose(Fqdn("x.example.com"), s_from, null)!.Name);
        Assert.Equal("suffix", chooser.Choose(Fqdn("x.example.com"), s_from, s_suffix)!.Name);
        Assert.Equal("any", chooser.Choose(Fqdn("x.example.com"), new IPEndPoint(IPAddress.Parse("198.18.0.77"), 500), null)!.Name);
        // A roaming peer: its exact identity wins over a catch-all at the address it comes from.
        var roaming = new ResponderIdentityChooser(
        [
            new ResponderCandidate(s_here, null, null, s_from.Address),
            new ResponderCandidate(s_exact, Id("@laptop.example.com"), null, IPAddress.Parse("198.18.0.60")),
        ]);
        Assert.Equal("exact", roaming.Choose(Fqdn("laptop.example.com"), s_from, s_here)!.Name);
    }

    [Fact]
    public void An_empty_candidate_list_chooses_nothing()
    {
        Assert.Null(new ResponderIdentityChooser([]).Choose(Fqdn("a.example.com"), s_from, s_any));
    }
}
