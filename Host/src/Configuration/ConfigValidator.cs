using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Spd.Nftables;

namespace IpsecFw.Host.Configuration;

/// <summary>
/// The meaning checks of a configuration that has the right shape: addresses, prefixes, ranges, names, references,
/// proposals and the files it names (which must exist and, for certificates, parse). Key files are opened to see that
/// they can be read, never printed or logged. Each problem is added with its JSON path.
/// </summary>
internal sealed class ConfigValidator(HostConfig config, List<ConfigError> errors)
{
    /// <summary>The smallest and largest TUN MTU accepted.</summary>
    public const int MinMtu = 576, MaxMtu = 9000;

    /// <summary>Bounds of <c>ike.halfOpenTimeoutSeconds</c>: long enough for one IKE_AUTH round trip, short enough to bound a flood's state.</summary>
    public const int MinHalfOpenTimeout = 2, MaxHalfOpenTimeout = 600;

    /// <summary>Most <c>ike.halfOpenPerSource</c>: the engine's global half-open limit (more would never bind).</summary>
    public const int MaxHalfOpenPerSource = 5000;

    public void Validate()
    {
        ValidateIdentity();
        ValidateTrust();
        ValidatePools();
        ValidatePeers();
        ValidateIke();
        ValidateTun();
        ValidatePolicy();
        ValidateFirewall();
        ValidateControl();
        ValidateEvents();
    }

    private void ValidateIdentity()
    {
        if (config.Identity is not { } id)
        {
            return;
        }

        CertificateFile(id.Certificate, "identity.certificate");
        ReadableFile(id.Key, "identity.key");
        for (int i = 0; i < id.Intermediates.Count; i++)
        {
            CertificateFile(id.Intermediates[i], $"identity.intermediates[{i}]");
        }
    }

    private void ValidateTrust()
    {
        bool pubkey = config.Peers.Any(p => p.Auth == PeerAuth.Pubkey);
        if (config.Trust is not { } trust)
        {
            if (pubkey)
            {
                Error("trust", "required when a peer uses pubkey authentication (give at least one trust anchor)");
            }

            return;
        }

        if (pubkey && trust.Anchors.Count == 0)
        {
            Error("trust.anchors", "at least one trust anchor is needed when a peer uses pubkey authentication");
        }

        for (int i = 0; i < trust.Anchors.Count; i++)
        {
            CertificateFile(trust.Anchors[i], $"trust.anchors[{i}]");
        }

        for (int i = 0; i < trust.Crls.Count; i++)
        {
            ReadableFile(trust.Crls[i], $"trust.crls[{i}]");
        }

        if (trust.Revocation == RevocationPolicy.Required && trust.Crls.Count == 0)
        {
            Error("trust.revocation", "'required' needs at least one CRL in trust.crls");
        }
    }

    private void ValidatePools()
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var prefixes = new List<(IpPrefix Prefix, int Index)>();
        for (int i = 0; i < config.Pools.Count; i++)
        {
            PoolOptions pool = config.Pools[i];
            string at = $"pools[{i}]";
            Name(pool.Name, at + ".name", "pool", names, i, "pools");
            if (!IpPrefix.TryParse(pool.Prefix, out IpPrefix prefix))
            {
                Error(at + ".prefix", $"'{pool.Prefix}' is not a prefix (ADDRESS/LENGTH)");
            }
            else if (!prefix.IsNetwork)
            {
                Error(at + ".prefix", $"'{pool.Prefix}' has host bits set; did you mean '{prefix.Network}/{prefix.Length}'?");
            }
            else
            {
                foreach ((IpPrefix other, int j) in prefixes)
                {
                    if (prefix.Overlaps(other))
                    {
                        Error(at + ".prefix", $"{prefix} overlaps pools[{j}] ({other})");
                    }
                }

                prefixes.Add((prefix, i));
            }

            for (int k = 0; k < pool.Dns.Count; k++)
            {
                Address(pool.Dns[k], $"{at}.dns[{k}]");
            }
        }
    }

    private void ValidatePeers()
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < config.Peers.Count; i++)
        {
            PeerOptions peer = config.Peers[i];
            string at = $"peers[{i}]";
            Name(peer.Name, at + ".name", "peer", names, i, "peers");
            if (peer.Address is not null)
            {
                Address(peer.Address, at + ".address");
            }
            else if (peer.StartAction != StartAction.None)
            {
                Error(at + ".startAction", $"'{KebabEnum.Format(peer.StartAction)}' needs an address to initiate to");
            }

            Port(peer.Port, at + ".port");
            if (peer.RemoteId is { } remoteId && string.IsNullOrWhiteSpace(remoteId))
            {
                Error(at + ".remoteId", "is empty; leave it out to accept any identity the trust anchors vouch for");
            }

            if (peer.LocalId is { } localId && !ValidIdentity(localId))
            {
                Error(at + ".localId", $"'{localId}' is not an identity (an address, @fqdn, user@host or a distinguished name)");
            }

            if (peer.Auth == PeerAuth.Psk)
            {
                if (peer.PskFile is null)
                {
                    Error(at + ".pskFile", "required with \"auth\": \"psk\"");
                }
                else
                {
                    ReadableFile(peer.PskFile, at + ".pskFile");
                }
            }
            else if (peer.PskFile is not null)
            {
                Error(at + ".pskFile", "given, but \"auth\" is \"pubkey\"; set \"auth\": \"psk\" or remove it");
            }

            Proposals(peer, at);
            Dpd(peer.Dpd, at + ".dpd");
            for (int k = 0; k < peer.LocalSubnets.Count; k++)
            {
                Prefix(peer.LocalSubnets[k], $"{at}.localSubnets[{k}]");
            }

            for (int k = 0; k < peer.RemoteSubnets.Count; k++)
            {
                Prefix(peer.RemoteSubnets[k], $"{at}.remoteSubnets[{k}]");
            }

            if (peer.Pool is { } pool && !config.Pools.Any(p => p.Name == pool))
            {
                Error(at + ".pool", $"no pool is named '{pool}'" + Suggest(pool, config.Pools.Select(p => p.Name)));
            }

            if (peer.Pool6 is { } pool6)
            {
                PoolOptions? six = config.Pools.FirstOrDefault(p => p.Name == pool6);
                PoolOptions? first = config.Pools.FirstOrDefault(p => p.Name == peer.Pool);
                if (six is null)
                {
                    Error(at + ".pool6", $"no pool is named '{pool6}'" + Suggest(pool6, config.Pools.Select(p => p.Name)));
                }
                else if (!IsIpv6Pool(six))
                {
                    Error(at + ".pool6", $"pool '{pool6}' is not an IPv6 pool (its prefix is {six.Prefix}); \"pool6\" names the IPv6 pool of a dual-stack peer");
                }
                else if (first is not null && IsIpv6Pool(first))
                {
                    Error(at + ".pool6", $"\"pool\" ('{first.Name}') is an IPv6 pool already; \"pool\" gives the IPv4 pool when \"pool6\" is set");
                }
            }

            if ((peer.Pool is not null || peer.Pool6 is not null) && (peer.RequestAddress || peer.RequestAddress6))
            {
                Error(at + (peer.RequestAddress ? ".requestAddress" : ".requestAddress6"),
                    "a peer either gets addresses from a pool (gateway side) or requests one (client side), not both");
            }

            if (peer.ProtectPeerAddress && peer.Address is null)
            {
                Error(at + ".protectPeerAddress", "needs the peer's address (the address whose traffic goes through the tunnel)");
            }
            else if (peer.ProtectPeerAddress && (peer.RequestAddress || peer.RequestAddress6))
            {
                Error(at + ".protectPeerAddress", "not with requestAddress (the inner address comes from the gateway; the gateway's own address is not inside)");
            }
        }
    }

    private void Proposals(PeerOptions peer, string at)
    {
        if (peer.Ike.Count == 0)
        {
            Error(at + ".ike", "needs at least one proposal");
        }

        for (int k = 0; k < peer.Ike.Count; k++)
        {
            if (!PeerProposals.TryCheckIke(peer.Ike[k], out string why))
            {
                Error($"{at}.ike[{k}]", $"not an IKE proposal: {why}");
            }
        }

        if (peer.Esp.Count == 0)
        {
            Error(at + ".esp", "needs at least one proposal");
        }

        for (int k = 0; k < peer.Esp.Count; k++)
        {
            if (!PeerProposals.TryCheckEsp(peer.Esp[k], out string why))
            {
                Error($"{at}.esp[{k}]", $"not an ESP proposal: {why}");
            }
        }
    }

    private void Dpd(DpdOptions dpd, string at)
    {
        if (dpd.IntervalSeconds is < 0 or > 3600)
        {
            Error(at + ".intervalSeconds", $"{dpd.IntervalSeconds} is out of range (0 to 3600; 0 disables)");
        }
        else if (dpd.IntervalSeconds > 0 && (dpd.TimeoutSeconds < dpd.IntervalSeconds || dpd.TimeoutSeconds > 86400))
        {
            Error(at + ".timeoutSeconds", $"{dpd.TimeoutSeconds} is out of range ({dpd.IntervalSeconds}, the interval, to 86400)");
        }
    }

    private void ValidateIke()
    {
        IkeOptions ike = config.Ike;
        if (ike.LocalAddress is not null)
        {
            Address(ike.LocalAddress, "ike.localAddress");
        }

        Port(ike.Port, "ike.port");
        Port(ike.NatPort, "ike.natPort");
        if (ike.Port == ike.NatPort)
        {
            Error("ike.natPort", $"{ike.NatPort} is also ike.port; IKE and NAT traversal need two ports");
        }

        if (ike.HalfOpenTimeoutSeconds is < MinHalfOpenTimeout or > MaxHalfOpenTimeout)
        {
            Error("ike.halfOpenTimeoutSeconds", $"{ike.HalfOpenTimeoutSeconds} is out of range ({MinHalfOpenTimeout} to {MaxHalfOpenTimeout})");
        }

        if (ike.HalfOpenPerSource is < 0 or > MaxHalfOpenPerSource)
        {
            Error("ike.halfOpenPerSource", $"{ike.HalfOpenPerSource} is out of range (0 to {MaxHalfOpenPerSource}; 0 disables)");
        }
    }

    private void ValidateTun()
    {
        if (config.Tun is not { } tun)
        {
            return;
        }

        if (!IsInterfaceName(tun.Name))
        {
            Error("tun.name", $"'{tun.Name}' is not an interface name (1 to 15 ASCII characters, no '/', ':' or spaces)");
        }

        if (tun.Mtu is < MinMtu or > MaxMtu)
        {
            Error("tun.mtu", $"{tun.Mtu} is out of range ({MinMtu} to {MaxMtu})");
        }

        for (int k = 0; k < tun.Addresses.Count; k++)
        {
            Prefix(tun.Addresses[k], $"tun.addresses[{k}]");
        }

        // 0 and 253..255 are the kernel's unspec, default, main and local tables.
        if (tun.RouteTable is < 1 or (>= 253 and <= 255))
        {
            Error("tun.routeTable", $"{tun.RouteTable} is not a table of its own (1 to 2147483647, not 253, 254 or 255)");
        }

        if (tun.Fwmark is < 1 or > uint.MaxValue)
        {
            Error("tun.fwmark", $"{tun.Fwmark} is out of range (1 to {uint.MaxValue})");
        }
    }

    private void ValidatePolicy()
    {
        PolicyOptions policy = config.Policy;
        int given = (policy.Source is null ? 0 : 1) + (policy.Bundle is null ? 0 : 1) + (policy.Pull is null ? 0 : 1);
        if (given != 1)
        {
            Error("policy", "give exactly one of 'source' (a policy file compiled at start), 'bundle' (a signed bundle file) and 'pull' (a signed bundle fetched from a URL or file)");
            return;
        }

        if (policy.Source is not null)
        {
            ReadableFile(policy.Source, "policy.source");
            if (policy.SignerKey is not null || policy.StateDirectory is not null)
            {
                Error("policy", "'signerKey' and 'stateDirectory' belong to 'bundle' and 'pull'; a 'source' policy is not signed");
            }

            return;
        }

        string with = policy.Bundle is not null ? "bundle" : "pull";
        if (policy.SignerKey is null)
        {
            Error("policy.signerKey", $"required with '{with}': the signer's public key file");
        }
        else
        {
            ReadableFile(policy.SignerKey, "policy.signerKey");
        }

        if (policy.StateDirectory is null)
        {
            Error("policy.stateDirectory", $"required with '{with}': the directory that keeps the last good bundle");
        }
        else if (File.Exists(config.ResolvePath(policy.StateDirectory)))
        {
            Error("policy.stateDirectory", $"'{policy.StateDirectory}' is a file, not a directory");
        }

        if (policy.Pull is { } pull)
        {
            ValidatePull(pull);
        }
    }

    private void ValidatePull(PullOptions pull)
    {
        bool https = false;
        if (pull.Location.Length == 0)
        {
            Error("policy.pull.location", "is empty: give an http:// or https:// URL or a file path");
        }
        else if (pull.Location.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(pull.Location, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            {
                Error("policy.pull.location", "is not an http:// or https:// URL (a file is given as a plain path)");
            }
            else if (uri.UserInfo.Length > 0)
            {
                Error("policy.pull.location", "has a user name or password in the URL; credentials in the location are not supported (they would end up in logs)");
            }
            else
            {
                https = uri.Scheme == "https";
            }
        }
        else if (Directory.Exists(config.ResolvePath(pull.Location)))
        {
            Error("policy.pull.location", $"'{pull.Location}' is a directory, not a bundle file");
        }

        if (pull.IntervalSeconds is < 1 or > 86_400)
        {
            Error("policy.pull.intervalSeconds", $"{pull.IntervalSeconds} is out of range (1 to 86400)");
        }

        if (pull.TimeoutSeconds is < 1 or > 300)
        {
            Error("policy.pull.timeoutSeconds", $"{pull.TimeoutSeconds} is out of range (1 to 300)");
        }

        if (pull.CaCertificates.Count > 0 && !https)
        {
            Error("policy.pull.caCertificates", "only used with an https:// location");
        }

        for (int i = 0; i < pull.CaCertificates.Count; i++)
        {
            CertificateFile(pull.CaCertificates[i], $"policy.pull.caCertificates[{i}]");
        }
    }

    private void ValidateFirewall()
    {
        if (!NftOptions.IsValidTableName(config.Firewall.Table))
        {
            Error("firewall.table", $"'{config.Firewall.Table}' is not an nftables table name (1 to 32 letters, digits or '_', starting with a letter)");
        }

        if (config.Firewall.Nftables && config.Tun is { } tun && IsInterfaceName(tun.Name) && !NftOptions.IsValidDeviceName(tun.Name))
        {
            Error("tun.name", $"'{tun.Name}' cannot be written into the nftables ruleset (use letters, digits, '_', '.' or '-'), or set firewall.nftables to false");
        }
    }

    private void ValidateControl()
    {
        if (!config.Control.Socket.StartsWith('/'))
        {
            Error("control.socket", $"'{config.Control.Socket}' is not an absolute path");
        }
        else if (Encoding.UTF8.GetByteCount(config.Control.Socket) > 107)
        {
            Error("control.socket", "is longer than the 107 bytes a Unix socket path can hold");
        }

        if (config.Control.MaxClients is < 1 or > 64)
        {
            Error("control.maxClients", $"{config.Control.MaxClients} is out of range (1 to 64)");
        }
    }

    private void ValidateEvents()
    {
        if (config.Events is not { } events)
        {
            return;
        }

        if (events.File is { } file)
        {
            string full = config.ResolvePath(file);
            if (Directory.Exists(full))
            {
                Error("events.file", $"'{file}' is a directory, not a file");
            }
            else if (!Directory.Exists(Path.GetDirectoryName(full)))
            {
                Error("events.file", $"the directory of '{file}' does not exist");
            }
        }

        if (events.MaxFileBytes is < 0 or (> 0 and < 4096))
        {
            Error("events.maxFileBytes", $"{events.MaxFileBytes} is out of range (0 for no limit, else at least 4096)");
        }

        Range(events.PerSourceRate, 1, 10_000, "events.perSourceRate");
        Range(events.PerSourceBurst, 1, 100_000, "events.perSourceBurst");
        Range(events.TotalRate, 1, 100_000, "events.totalRate");
        if (events.QueueSize is < 64 or > 1_048_576 || (events.QueueSize & (events.QueueSize - 1)) != 0)
        {
            Error("events.queueSize", $"{events.QueueSize} is not a power of two from 64 to 1048576");
        }

        if (events.Hostname is { } hostname && (hostname.Length is 0 or > 255 || hostname.Any(c => c is <= ' ' or > '~')))
        {
            Error("events.hostname", $"'{hostname}' is not a syslog HOSTNAME (1 to 255 printable US-ASCII characters, no spaces; RFC 5424 6.2.4)");
        }

        if (events.NflogGroup is < 0 or > 65535)
        {
            Error("events.nflogGroup", $"{events.NflogGroup} is not an NFLOG group (1 to 65535, or 0 for none)");
        }

        Range(events.NflogRate, 1, 10_000, "events.nflogRate");
        if (events.File is null && events.Syslog.Count == 0)
        {
            Error("events", "give 'file', 'syslog' or both (where the events go), or leave 'events' out");
        }

        for (int i = 0; i < events.Syslog.Count; i++)
        {
            SyslogTargetOptions target = events.Syslog[i];
            string at = $"events.syslog[{i}]";
            Address(target.Address, at + ".address");
            Port(target.EffectivePort, at + ".port");
            if (target.Protocol is not ("udp" or "tcp" or "tls"))
            {
                Error(at + ".protocol", $"'{target.Protocol}' is not 'udp', 'tcp' or 'tls'");
            }

            ValidateSyslogTls(target, at);

            if (!Events.SyslogFacility.TryParse(target.Facility, out _))
            {
                Error(at + ".facility", $"'{target.Facility}' is not a syslog facility ({string.Join(", ", Events.SyslogFacility.Names)})"
                    + Suggest(target.Facility, Events.SyslogFacility.Names));
            }
        }
    }

    private void ValidateSyslogTls(SyslogTargetOptions target, string at)
    {
        if (target.Protocol != "tls")
        {
            foreach ((string key, bool given) in new[]
            {
                ("caCertificates", target.CaCertificates.Count > 0), ("serverName", target.ServerName is not null),
                ("clientCertificate", target.ClientCertificate is not null), ("clientKey", target.ClientKey is not null),
            })
            {
                if (given)
                {
                    Error($"{at}.{key}", $"is only for the protocol 'tls' (this collector's is '{target.Protocol}')");
                }
            }

            return;
        }

        for (int i = 0; i < target.CaCertificates.Count; i++)
        {
            CertificateFile(target.CaCertificates[i], $"{at}.caCertificates[{i}]");
        }

        if (target.ServerName is { } name && (name.Length is 0 or > 253 || name.Any(c => c is <= ' ' or > '~')))
        {
            Error(at + ".serverName", $"'{name}' is not a host name or address");
        }

        if ((target.ClientCertificate is null) != (target.ClientKey is null))
        {
            Error(at + (target.ClientKey is null ? ".clientKey" : ".clientCertificate"), "give clientCertificate and clientKey together");
        }
        else if (target.ClientCertificate is { } certificate && target.ClientKey is { } key
            && ReadableFile(certificate, at + ".clientCertificate") && ReadableFile(key, at + ".clientKey"))
        {
            try
            {
                using var pair = X509Certificate2.CreateFromPemFile(
                    config.ResolvePath(certificate), config.ResolvePath(key));
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                Error(at + ".clientKey", $"'{key}' is not a PEM private key that matches the certificate '{certificate}'");
            }
        }
    }

    private void Range(int value, int min, int max, string at)
    {
        if (value < min || value > max)
        {
            Error(at, $"{value} is out of range ({min} to {max})");
        }
    }

    private static bool IsIpv6Pool(PoolOptions pool) =>
        IpPrefix.TryParse(pool.Prefix, out IpPrefix prefix) && prefix.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

    private static bool IsInterfaceName(string name) =>
        name.Length is > 0 and <= 15 && !name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || c > '~');

    private static bool ValidIdentity(string text)
    {
        try
        {
            IdentityText.Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private void Name(string name, string at, string what, Dictionary<string, int> seen, int index, string list)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            Error(at, $"'{name}' is not a {what} name (1 to 64 letters, digits, '.', '_' or '-')");
        }
        else if (!seen.TryAdd(name, index))
        {
            Error(at, $"duplicate {what} name '{name}' (also {list}[{seen[name]}])");
        }
    }

    private void Address(string text, string at)
    {
        if (!IpPrefix.TryParseAddress(text, out _))
        {
            Error(at, $"'{text}' is not an IP address");
        }
    }

    private void Prefix(string text, string at)
    {
        if (!IpPrefix.TryParse(text, out _))
        {
            Error(at, $"'{text}' is not a prefix (ADDRESS/LENGTH)");
        }
    }

    private void Port(int port, string at)
    {
        if (port is < 1 or > 65535)
        {
            Error(at, $"{port} is not a port (1 to 65535)");
        }
    }

    private bool ReadableFile(string path, string at)
    {
        string full = config.ResolvePath(path);
        if (Directory.Exists(full))
        {
            Error(at, $"'{path}' is a directory, not a file");
            return false;
        }

        if (!File.Exists(full))
        {
            Error(at, $"'{path}' does not exist");
            return false;
        }

        try
        {
            using FileStream stream = File.OpenRead(full);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error(at, $"'{path}' cannot be read ({e.GetType().Name})");
            return false;
        }
    }

    private void CertificateFile(string path, string at)
    {
        if (!ReadableFile(path, at))
        {
            return;
        }

        try
        {
            byte[] bytes = File.ReadAllBytes(config.ResolvePath(path));
            string text = Encoding.ASCII.GetString(bytes);
            using X509Certificate2 certificate = text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificate(bytes);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            Error(at, $"'{path}' is not an X.509 certificate (PEM or DER)");
        }
    }

    private static string Suggest(string word, IEnumerable<string> candidates) =>
        Suggestions.Closest(word, candidates) is { } s ? $"; did you mean '{s}'?" : string.Empty;

    private void Error(string path, string message) => errors.Add(new ConfigError(path, message));
}
