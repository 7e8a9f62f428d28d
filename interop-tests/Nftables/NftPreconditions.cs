using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Nftables;

/// <summary>What the nftables tests need: root, iproute2 and nft; otherwise the test is "not run".</summary>
internal static class NftPreconditions
{
    public static void SkipUnlessAvailable()
    {
        string? reason = Prerequisites.Root() is not null ? "not run: nftables tests need root (network namespaces, nf_tables)"
            : Prerequisites.IpTool() is null ? "not run: iproute2 (`ip`) is absent"
            : Preconditions.Nftables();
        if (reason is not null)
        {
            Assert.Skip(reason);
        }
    }
}
