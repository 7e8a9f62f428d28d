using System.Globalization;
using System.Runtime.Versioning;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// The strongswan.conf of one charon: a self-contained plugin list (<c>load_modular = no</c>, so nothing from
/// /etc/strongswan.d is read), kernel-libipsec before kernel-netlink (this kernel has no ESP: user-space ESP over the TUN
/// <c>ipsec0</c>, always UDP-encapsulated on 4500), its own vici socket and log file. See ../shared/lab/README.md gotchas.
/// </summary>
public sealed record CharonOptions
{
    /// <summary>
    /// Crypto plugins in strongSwan's compiled-in order (the first plugin providing an algorithm wins: aesni before aes,
    /// openssl, gcm); <c>kdf</c> (5.9.8: the PRF+ for key derivation) and <c>drbg</c> are required with load_modular = no.
    /// </summary>
    public const string DefaultCrypto = "random nonce aesni aes sha1 sha2 hmac kdf drbg openssl chapoly gcm";

    /// <summary>Everything else: credentials, revocation (CRLs), curve25519, the kernel interfaces, socket and vici.</summary>
    public const string DefaultRest = "pem pkcs1 pkcs8 x509 revocation constraints pubkey gmp curve25519 kernel-libipsec kernel-netlink socket-default vici";

    /// <summary>The plugins the swanctl client loads (avoids the default list's TPM noise).</summary>
    public const string SwanctlPlugins = "random nonce drbg hmac sha1 sha2 aes pem pkcs1 pkcs8 x509 gmp openssl";

    /// <summary>The plugin list (order = preference).</summary>
    public string Plugins { get; init; } = DefaultCrypto + " " + DefaultRest;

    /// <summary>charon's log levels per subsystem, charondebug style, e.g. <c>ike 2, cfg 2, knl 1</c>; others get <see cref="DefaultLogLevel"/>.</summary>
    public string LogLevels { get; init; } = "ike 2, cfg 2, knl 1, net 1, enc 1, chd 1";

    /// <summary>The level of subsystems not named in <see cref="LogLevels"/>.</summary>
    public int DefaultLogLevel { get; init; } = 1;

    /// <summary><c>charon.retransmit_timeout</c> in seconds (bounded failures: 1 s, then the base).</summary>
    public double RetransmitTimeout { get; init; } = 1.0;

    /// <summary><c>charon.retransmit_tries</c>.</summary>
    public int RetransmitTries { get; init; } = 3;

    /// <summary>Any other <c>charon.</c> setting, written as <c>key = value</c> inside the charon section (dotted keys are nested).</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>The plugin names as a list.</summary>
    public IReadOnlyList<string> PluginNames => Plugins.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The text of strongswan.conf for an instance whose files live in <paramref name="runDirectory"/>.</summary>
    [SupportedOSPlatform("linux")]
    public string Render(string runDirectory)
    {
        var w = new SwanctlWriter();
        w.Raw("# rendered by IpsecFw.InteropTests.StrongSwan.CharonOptions");
        w.Open("charon");
        w.Value("load_modular", "no");
        w.Value("load", Plugins);
        w.Value("port", "500");
        w.Value("port_nat_t", "4500");
        // Routes into table 220 are how traffic reaches kernel-libipsec's TUN.
        w.Value("install_routes", "yes");
        w.Value("retransmit_timeout", RetransmitTimeout.ToString(CultureInfo.InvariantCulture));
        w.Value("retransmit_base", "1.4");
        w.Value("retransmit_tries", RetransmitTries.ToString(CultureInfo.InvariantCulture));
        foreach (KeyValuePair<string, string> kv in Extra)
        {
            string[] path = kv.Key.Split('.');
            foreach (string section in path[..^1])
            {
                w.Open(section);
            }

            w.Value(path[^1], kv.Value);
            for (int i = 0; i < path.Length - 1; i++)
            {
                w.Close();
            }
        }

        w.Open("filelog");
        w.Open("test");
        w.Value("path", Path.Combine(runDirectory, StrongSwanInstance.LogFileName));
        w.Value("time_format", "%T");
        w.Value("ike_name", "yes");
        w.Value("flush_line", "yes");
        w.Value("append", "no");
        w.Value("default", DefaultLogLevel.ToString(CultureInfo.InvariantCulture));
        foreach (string item in LogLevels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] parts = item.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            w.Value(parts[0], parts[1]);
        }

        w.Close();
        w.Close();
        w.Open("syslog");
        w.Open("daemon");
        w.Value("default", "-1");
        w.Close();
        w.Close();
        w.Open("plugins");
        w.Open("vici");
        w.Value("socket", "unix://" + Path.Combine(runDirectory, StrongSwanInstance.ViciFileName));
        w.Close();
        w.Open("kernel-libipsec");
        w.Value("allow_peer_ts", "no");
        w.Close();
        w.Close();
        w.Close();
        w.Open("swanctl");
        w.Value("load", SwanctlPlugins);
        w.Close();
        return w.ToString();
    }
}
