using BlockStore.Storage.Backends;
using Microsoft.Extensions.Options;

namespace BlockStore.Storage.Tests.Backends;

public sealed class CephConnectionTests
{
    [Fact]
    public async Task An_empty_key_falls_back_to_the_keyring_file_and_connects()
    {
        var options = new CephOptions
        {
            User = Stack("Ceph__User"), MonHost = Stack("Ceph__MonHost"), Keyring = Stack("Ceph__Keyring"), Key = "",
        };
        CephConnection.ConnectOptions(options).Key.ShouldBeNull();
        await using var ceph = new CephConnection(Options.Create(options));
        (await ceph.GetAsync(CancellationToken.None)).ShouldNotBeNull();
    }

    [Fact]
    public void Settings_that_cannot_work_are_refused_with_what_is_missing()
    {
        Should.Throw<InvalidOperationException>(() => CephConnection.ConnectOptions(new CephOptions { Key = "", Keyring = "" }))
            .Message.ShouldContain("Ceph:MonHost");
        Should.Throw<InvalidOperationException>(() => CephConnection.ConnectOptions(new CephOptions { MonHost = "127.0.0.1", Key = " " }))
            .Message.ShouldContain("Ceph:Key is empty and Ceph:Keyring is not set");
        Should.Throw<InvalidOperationException>(() => CephConnection.ConnectOptions(new CephOptions { MonHost = "127.0.0.1", Keyring = "/nonexistent/keyring" }))
            .Message.ShouldContain("/nonexistent/keyring");
    }

    private static string Stack(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set. Run the tests with scripts/test, or eval \"$(scripts/stack env)\" first.");
}
