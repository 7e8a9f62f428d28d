using IpsecFw.Fuzz;
using IpsecFw.Fuzz.Fuzzers;
using SharpFuzz;

// IpsecFw.Fuzz: one executable, one target per parser (the shape of the .NET runtime's Fuzzing/DotnetFuzzing).
//   IpsecFw.Fuzz --list                        the targets
//   IpsecFw.Fuzz <target>                      run under afl-fuzz (SharpFuzz fork server; input on stdin)
//   IpsecFw.Fuzz <target> --replay <dir>...    run every file under the folders in-process; exit 1 on any exception
//   IpsecFw.Fuzz --make-seeds <corpora-dir>    write the generated seeds (ESP, SK, responder, TS, CP, PKI, IP, bundles)
// fuzz/run.sh does the AFL side; scripts/suites/fuzz.sh replays the corpora and runs it.
IFuzzer[] targets =
[
    new EspDecapsulateFuzzer(), new IkeMessageDecodeFuzzer(), new SpdCompileFuzzer(),
    new IkeSkDecryptFuzzer(), new IkeResponderFuzzer(), new TrafficSelectorsFuzzer(), new ConfigurationPayloadFuzzer(),
    new CertificateChainFuzzer(), new DistinguishedNameFuzzer(), new HostConfigFuzzer(), new PacketClassifierFuzzer(),
    new FragmentReassemblyFuzzer(), new PolicyBundleFuzzer(), new CookieScreenFuzzer(),
];

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: IpsecFw.Fuzz <target> [--replay <dir>...] | --list | --make-seeds <corpora-dir>");
    return args.Length == 0 ? 2 : 0;
}

if (args[0] == "--list")
{
    foreach (IFuzzer fuzzer in targets)
    {
        Console.WriteLine($"{fuzzer.Name,-18} {fuzzer.Description}");
    }

    return 0;
}

if (args[0] == "--make-seeds")
{
    if (args.Length != 2)
    {
        Console.Error.WriteLine("usage: IpsecFw.Fuzz --make-seeds <corpora-dir>");
        return 2;
    }

    int written = EspSeeds.Write(Path.Combine(args[1], "EspDecapsulate"));
    Console.WriteLine($"wrote {written} ESP seeds under {Path.Combine(args[1], "EspDecapsulate")}");
    int more = MoreSeeds.Write(args[1]);
    Console.WriteLine($"wrote {more} seeds of the other targets under {args[1]} (IkeMessageDecode and SpdCompile seeds are inputs, not written)");
    return 0;
}

IFuzzer? target = Array.Find(targets, t => string.Equals(t.Name, args[0], StringComparison.OrdinalIgnoreCase));
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; targets: {string.Join(", ", targets.Select(t => t.Name))}");
    return 2;
}

if (args.Length >= 2 && args[1] == "--replay")
{
    return CorpusReplay.Run(target, args[2..]);
}

if (args.Length != 1)
{
    Console.Error.WriteLine($"usage: IpsecFw.Fuzz {target.Name} [--replay <dir>...]");
    return 2;
}

// SharpFuzz 2.3.0's AFL entry point takes a Stream (the span overloads are libFuzzer-only). Outside afl-fuzz it runs
// the action once on standard input, which is how a crash is reproduced: IpsecFw.Fuzz <target> < crash-file.
IFuzzer selected = target;
Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    selected.FuzzTarget(input.GetBuffer().AsSpan(0, (int)input.Length));
});
return 0;
