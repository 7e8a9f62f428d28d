using IpsecFw.Host.Cli;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Tests.Support;

namespace IpsecFw.Host.Tests.Configuration;

/// <summary>
/// Each kind of bad configuration gives exactly one error, with its JSON path (or line:column for syntax), and a
/// non-zero exit of both <c>ipsecfw config check</c> and <c>ipsecfw run</c>. In the JSON, <c>@</c> stands for the test's
/// directory, which holds <c>p.pol</c> (Figure 1), <c>psk</c>, <c>host.crt</c>/<c>host.key</c>, <c>ca.crt</c> and
/// <c>garbage.pem</c>.
/// </summary>
public sealed class BadConfigTests : IDisposable
{
    private const string Policy = "\"policy\": { \"source\": \"p.pol\" }, \"control\": { \"socket\": \"@/run/c.sock\" }";
    private const string PskPeer = "\"auth\": \"psk\", \"pskFile\": \"psk\"";

    private readonly TempDirectory _dir = new();

    public BadConfigTests()
    {
        _dir.Write("p.pol", Figure1.Source);
        _dir.Write("psk", "not a real secret\n");
        _dir.Write("k.pub", "a signer key file (only its readability is checked here)\n");
        _dir.Write("garbage.pem", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        TestCertificates.Write(_dir.Path, "host", "host1.example.com");
        TestCertificates.Write(_dir.Path, "ca", "Example CA");
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string, string> Cases => new()
    {
        {
            "syntax error",
            "{\n  \"policy\": { \"source\": 'p.pol' }\n}",
            "2:25: invalid JSON: ''' is an invalid start of a value."
        },
        {
            "unknown key (typo)",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", \"adress\": \"198.18.0.1\", " + PskPeer + " } ] }",
            "peers[0].adress: unknown key; did you mean 'address'?"
        },
        {
            "missing required key",
            "{ \"control\": { \"socket\": \"/run/x.sock\" } }",
            "policy: required key is missing"
        },
        {
            "wrong type",
            "{ " + Policy + ", \"tun\": { \"mtu\": \"1400\" } }",
            "tun.mtu: expected an integer, got a string"
        },
        {
            "bad address",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"a\", \"address\": \"198.18.0.1\", " + PskPeer + " }, { \"name\": \"b\", \"address\": \"300.1.2.3\", " + PskPeer + " } ] }",
            "peers[1].address: '300.1.2.3' is not an IP address"
        },
        {
            "firewall table name that nft would misread",
            "{ " + Policy + ", \"firewall\": { \"table\": \"ipsecfw; flush ruleset\" } }",
            "firewall.table: 'ipsecfw; flush ruleset' is not an nftables table name (1 to 32 letters, digits or '_', starting with a letter)"
        },
        {
            "tun name that cannot be written into the nftables ruleset",
            "{ " + Policy + ", \"tun\": { \"name\": \"tun\\\"0\" } }",
            "tun.name: 'tun\"0' cannot be written into the nftables ruleset (use letters, digits, '_', '.' or '-'), or set firewall.nftables to false"
        },
        {
            "events syslog facility misspelt",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"address\": \"198.18.0.9\", \"facility\": \"local9\" } ] } }",
            "events.syslog[0].facility: 'local9' is not a syslog facility (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock, local0, local1, local2, local3, local4, local5, local6, local7); did you mean 'local0'?"
        },
        {
            "events syslog protocol",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"address\": \"198.18.0.9\" }, { \"address\": \"198.18.0.9\", \"protocol\": \"dtls\" } ] } }",
            "events.syslog[1].protocol: 'dtls' is not 'udp', 'tcp' or 'tls'"
        },
        {
            "events syslog port not a number",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"address\": \"198.18.0.9\", \"port\": \"6514\" } ] } }",
            "events.syslog[0].port: expected an integer, got a string"
        },
        {
            "events syslog TLS key on a TCP collector",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"address\": \"198.18.0.9\", \"protocol\": \"tcp\", \"serverName\": \"logs.example.com\" } ] } }",
            "events.syslog[0].serverName: is only for the protocol 'tls' (this collector's is 'tcp')"
        },
        {
            "events syslog TLS client certificate without its key",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"address\": \"198.18.0.9\", \"protocol\": \"tls\", \"clientCertificate\": \"host.crt\" } ] } }",
            "events.syslog[0].clientKey: give clientCertificate and clientKey together"
        },
        {
            "events syslog TLS client key that is not a key",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"address\": \"198.18.0.9\", \"protocol\": \"tls\", \"clientCertificate\": \"host.crt\", \"clientKey\": \"garbage.pem\" } ] } }",
            "events.syslog[0].clientKey: 'garbage.pem' is not a PEM private key that matches the certificate 'host.crt'"
        },
        {
            "events syslog TLS CA that is not a certificate",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"address\": \"198.18.0.9\", \"protocol\": \"tls\", \"caCertificates\": [ \"garbage.pem\" ] } ] } }",
            "events.syslog[0].caCertificates[0]: 'garbage.pem' is not an X.509 certificate (PEM or DER)"
        },
        {
            "events NFLOG group out of range",
            "{ " + Policy + ", \"events\": { \"file\": \"e.jsonl\", \"nflogGroup\": 65536 } }",
            "events.nflogGroup: 65536 is not an NFLOG group (1 to 65535, or 0 for none)"
        },
        {
            "events NFLOG rate out of range",
            "{ " + Policy + ", \"events\": { \"file\": \"e.jsonl\", \"nflogRate\": 0 } }",
            "events.nflogRate: 0 is out of range (1 to 10000)"
        },
        {
            "events syslog address",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"address\": \"collector\", \"protocol\": \"tcp\" } ] } }",
            "events.syslog[0].address: 'collector' is not an IP address"
        },
        {
            "events without a destination",
            "{ " + Policy + ", \"events\": { \"perSourceRate\": 5 } }",
            "events: give 'file', 'syslog' or both (where the events go), or leave 'events' out"
        },
        {
            "events queue not a power of two",
            "{ " + Policy + ", \"events\": { \"file\": \"e.jsonl\", \"queueSize\": 1000 } }",
            "events.queueSize: 1000 is not a power of two from 64 to 1048576"
        },
        {
            "events file in a missing directory",
            "{ " + Policy + ", \"events\": { \"file\": \"no/such/dir/e.jsonl\" } }",
            "events.file: the directory of 'no/such/dir/e.jsonl' does not exist"
        },
        {
            "events syslog address missing",
            "{ " + Policy + ", \"events\": { \"syslog\": [ { \"port\": 514 } ] } }",
            "events.syslog[0].address: required key is missing"
        },
        {
            "bad prefix",
            "{ " + Policy + ", \"tun\": { \"addresses\": [ \"198.18.0.1/33\" ] } }",
            "tun.addresses[0]: '198.18.0.1/33' is not a prefix (ADDRESS/LENGTH)"
        },
        {
            "unreadable certificate file",
            "{ " + Policy + ", \"identity\": { \"certificate\": \"garbage.pem\", \"key\": \"host.key\" } }",
            "identity.certificate: 'garbage.pem' is not an X.509 certificate (PEM or DER)"
        },
        {
            "key file missing",
            "{ " + Policy + ", \"identity\": { \"certificate\": \"host.crt\", \"key\": \"missing.key\" } }",
            "identity.key: 'missing.key' does not exist"
        },
        {
            "duplicate peer name",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", " + PskPeer + " }, { \"name\": \"gw\", " + PskPeer + " } ] }",
            "peers[1].name: duplicate peer name 'gw' (also peers[0])"
        },
        {
            "pools overlap",
            "{ " + Policy + ", \"pools\": [ { \"name\": \"a\", \"prefix\": \"198.19.0.0/24\" }, { \"name\": \"b\", \"prefix\": \"198.19.0.128/25\" } ] }",
            "pools[1].prefix: 198.19.0.128/25 overlaps pools[0] (198.19.0.0/24)"
        },
        {
            "bad proposal string",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", " + PskPeer + ", \"ike\": [ \"aes256gcm16-prfmd5-x25519\" ] } ] }",
            "peers[0].ike[0]: not an IKE proposal: 'prfmd5' is not a known algorithm in 'aes256gcm16-prfmd5-x25519'"
        },
        {
            "ESP proposal without an AEAD",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", " + PskPeer + ", \"esp\": [ \"x25519-esn\" ] } ] }",
            "peers[0].esp[0]: not an ESP proposal: 'x25519-esn' names no encryption algorithm"
        },
        {
            "bad port",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", \"address\": \"198.18.0.1\", \"port\": 70000, " + PskPeer + " } ] }",
            "peers[0].port: 70000 is not a port (1 to 65535)"
        },
        {
            "MTU out of range",
            "{ " + Policy + ", \"tun\": { \"mtu\": 100 } }",
            "tun.mtu: 100 is out of range (576 to 9000)"
        },
        {
            "main routing table for the protected addresses",
            "{ " + Policy + ", \"tun\": { \"routeTable\": 254 } }",
            "tun.routeTable: 254 is not a table of its own (1 to 2147483647, not 253, 254 or 255)"
        },
        {
            "TUN offload not a boolean",
            "{ " + Policy + ", \"tun\": { \"offload\": \"yes\" } }",
            "tun.offload: expected true or false, got a string"
        },
        {
            "firewall mark zero",
            "{ " + Policy + ", \"tun\": { \"fwmark\": 0 } }",
            "tun.fwmark: 0 is out of range (1 to 4294967295)"
        },
        {
            "protected peer address without an address",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", " + PskPeer + ", \"protectPeerAddress\": true } ] }",
            "peers[0].protectPeerAddress: needs the peer's address (the address whose traffic goes through the tunnel)"
        },
        {
            "unknown encapsulation",
            "{ " + Policy + ", \"ike\": { \"encapsulation\": \"raw\" } }",
            "ike.encapsulation: 'raw' is not one of 'force', 'auto'"
        },
        {
            "half-open timeout out of range",
            "{ " + Policy + ", \"ike\": { \"halfOpenTimeoutSeconds\": 0 } }",
            "ike.halfOpenTimeoutSeconds: 0 is out of range (2 to 600)"
        },
        {
            "half-open per source negative",
            "{ " + Policy + ", \"ike\": { \"halfOpenPerSource\": -1 } }",
            "ike.halfOpenPerSource: -1 is out of range (0 to 5000; 0 disables)"
        },
        {
            "half-open per source over the global limit",
            "{ " + Policy + ", \"ike\": { \"halfOpenPerSource\": 5001 } }",
            "ike.halfOpenPerSource: 5001 is out of range (0 to 5000; 0 disables)"
        },
        {
            "policy source and bundle both",
            "{ \"policy\": { \"source\": \"p.pol\", \"bundle\": \"p.bundle\" }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy: give exactly one of 'source' (a policy file compiled at start), 'bundle' (a signed bundle file) and 'pull' (a signed bundle fetched from a URL or file)"
        },
        {
            "policy source and bundle neither",
            "{ \"policy\": { }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy: give exactly one of 'source' (a policy file compiled at start), 'bundle' (a signed bundle file) and 'pull' (a signed bundle fetched from a URL or file)"
        },
        {
            "socket path not absolute",
            "{ \"policy\": { \"source\": \"p.pol\" }, \"control\": { \"socket\": \"run/ipsecfw.sock\" } }",
            "control.socket: 'run/ipsecfw.sock' is not an absolute path"
        },
        {
            "value not among the choices",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", " + PskPeer + ", \"startAction\": \"always\" } ] }",
            "peers[0].startAction: 'always' is not one of 'none', 'trap', 'start'"
        },
        {
            "pool name that does not exist",
            "{ " + Policy + ", \"pools\": [ { \"name\": \"roads\", \"prefix\": \"198.19.0.0/24\" } ], \"peers\": [ { \"name\": \"rw\", " + PskPeer + ", \"pool\": \"road\" } ] }",
            "peers[0].pool: no pool is named 'road'; did you mean 'roads'?"
        },
        {
            "pool6 naming an IPv4 pool",
            "{ " + Policy + ", \"pools\": [ { \"name\": \"v4\", \"prefix\": \"198.19.0.0/24\" } ], \"peers\": [ { \"name\": \"rw\", " + PskPeer + ", \"pool6\": \"v4\" } ] }",
            "peers[0].pool6: pool 'v4' is not an IPv6 pool (its prefix is 198.19.0.0/24); \"pool6\" names the IPv6 pool of a dual-stack peer"
        },
        {
            "requestAddress6 with a pool",
            "{ " + Policy + ", \"pools\": [ { \"name\": \"v6\", \"prefix\": \"2001:2:0:ff00::/64\" } ], \"peers\": [ { \"name\": \"rw\", " + PskPeer + ", \"pool\": \"v6\", \"requestAddress6\": true } ] }",
            "peers[0].requestAddress6: a peer either gets addresses from a pool (gateway side) or requests one (client side), not both"
        },
        {
            "psk without its file",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", \"auth\": \"psk\" } ] }",
            "peers[0].pskFile: required with \"auth\": \"psk\""
        },
        {
            "key given twice",
            "{ \"policy\": { \"source\": \"p.pol\", \"source\": \"p.pol\" }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy.source: this key is given twice"
        },
        {
            "bundle without the signer's key",
            "{ \"policy\": { \"bundle\": \"p.bundle\", \"stateDirectory\": \"state\" }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy.signerKey: required with 'bundle': the signer's public key file"
        },
        {
            "pubkey peer without trust anchors",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", \"address\": \"198.18.0.1\" } ] }",
            "trust: required when a peer uses pubkey authentication (give at least one trust anchor)"
        },
        {
            "pool prefix with host bits",
            "{ " + Policy + ", \"pools\": [ { \"name\": \"a\", \"prefix\": \"198.19.0.1/24\" } ] }",
            "pools[0].prefix: '198.19.0.1/24' has host bits set; did you mean '198.19.0.0/24'?"
        },
        {
            "start action without an address",
            "{ " + Policy + ", \"peers\": [ { \"name\": \"gw\", " + PskPeer + ", \"startAction\": \"start\" } ] }",
            "peers[0].startAction: 'start' needs an address to initiate to"
        },
        {
            "IPv4 shorthand is not an address",
            "{ " + Policy + ", \"pools\": [ { \"name\": \"a\", \"prefix\": \"198.19.0.0/24\", \"dns\": [ \"198.18\" ] } ] }",
            "pools[0].dns[0]: '198.18' is not an IP address"
        },
        {
            "pull beside bundle",
            "{ \"policy\": { \"bundle\": \"p.bundle\", \"pull\": { \"location\": \"https://198.18.0.1/p.bundle\" } }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy: give exactly one of 'source' (a policy file compiled at start), 'bundle' (a signed bundle file) and 'pull' (a signed bundle fetched from a URL or file)"
        },
        {
            "pull from another scheme",
            "{ \"policy\": { \"pull\": { \"location\": \"ftp://198.18.0.1/p.bundle\" }, \"signerKey\": \"@/k.pub\", \"stateDirectory\": \"@/state\" }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy.pull.location: is not an http:// or https:// URL (a file is given as a plain path)"
        },
        {
            "pull interval zero",
            "{ \"policy\": { \"pull\": { \"location\": \"https://198.18.0.1/p.bundle\", \"intervalSeconds\": 0 }, \"signerKey\": \"@/k.pub\", \"stateDirectory\": \"@/state\" }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy.pull.intervalSeconds: 0 is out of range (1 to 86400)"
        },
        {
            "pull CA certificates over plain HTTP",
            "{ \"policy\": { \"pull\": { \"location\": \"http://198.18.0.1/p.bundle\", \"caCertificates\": [ \"@/ca.crt\" ] }, \"signerKey\": \"@/k.pub\", \"stateDirectory\": \"@/state\" }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy.pull.caCertificates: only used with an https:// location"
        },
        {
            "pull without a location",
            "{ \"policy\": { \"pull\": { \"intervalSeconds\": 60 }, \"signerKey\": \"@/k.pub\", \"stateDirectory\": \"@/state\" }, \"control\": { \"socket\": \"@/run/c.sock\" } }",
            "policy.pull.location: required key is missing"
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loader_reports_exactly_one_error(string kind, string json, string expected)
    {
        string file = _dir.Write("config.json", json.Replace("@", _dir.Path, StringComparison.Ordinal));
        ConfigLoadResult result = ConfigLoader.Load(file);
        Assert.False(result.Succeeded, kind);
        Assert.Equal([expected], result.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Config_check_and_run_exit_with_a_user_error(string kind, string json, string expected)
    {
        string file = _dir.Write("config.json", json.Replace("@", _dir.Path, StringComparison.Ordinal));
        foreach (string[] args in new[] { new[] { "config", "check", file }, new[] { "run", "--config", file } })
        {
            (int code, string output, string error) = CliRunner.Run(args);
            Assert.True(code == ExitCodes.UserError, $"{kind}: {string.Join(' ', args)} exited {code}");
            Assert.Equal($"{file}: {expected}\n{file}: 1 error\n", error);
            Assert.Equal(string.Empty, output);
        }
    }

    [Fact]
    public void A_missing_file_is_one_plain_error()
    {
        (int code, _, string error) = CliRunner.Run("config", "check", _dir.File("absent.json"));
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Equal($"{_dir.File("absent.json")}: does not exist\n{_dir.File("absent.json")}: 1 error\n", error);
    }

    [Fact]
    public void Invalid_utf8_in_a_name_or_a_value_is_an_error_not_an_exception()
    {
        // Found by the HostConfig fuzz target: JsonDocument checks UTF-8 only when a string is read, and threw
        // InvalidOperationException from the schema check (fuzz/Corpora/HostConfig/regressions/).
        byte[] badName = [.. "{\n  \"tu"u8, 0x84, .. "n\": {} }"u8];
        ConfigLoadResult result = ConfigLoader.Parse(badName, "config.json", "/");
        ConfigError error = Assert.Single(result.Errors);
        Assert.Equal("2:6", error.Path);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Null(result.Config);

        byte[] badValue = [.. "{ \"tun\": { \"name\": \"ipsec"u8, 0xC3, 0x28, .. "\" } }"u8];
        Assert.Contains("not valid UTF-8", Assert.Single(ConfigLoader.Parse(badValue, "config.json", "/").Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_errors_are_all_reported()
    {
        string file = _dir.Write("config.json",
            "{ \"policy\": { \"source\": \"p.pol\" }, \"control\": { \"socket\": \"x\" }, \"tun\": { \"mtu\": 1, \"name\": \"a/b\" } }");
        ConfigLoadResult result = ConfigLoader.Load(file);
        Assert.Equal(3, result.Errors.Count);
        Assert.Contains(result.Errors, e => e.Path == "tun.name");
        Assert.Contains(result.Errors, e => e.Path == "tun.mtu");
        Assert.Contains(result.Errors, e => e.Path == "control.socket");
    }
}
