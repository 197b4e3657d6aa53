using BlockStore.Core.Services;

namespace BlockStore.Core.Tests;

public sealed class ServiceOptionsTests
{
    [Fact]
    public void The_defaults_are_Cinder_s_and_valid()
    {
        var o = new ServiceOptions();
        o.ReportInterval.ShouldBe(TimeSpan.FromSeconds(10));
        o.DownAfter.ShouldBe(TimeSpan.FromSeconds(60));
        ServiceOptions.IsValid(o).ShouldBeTrue();
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(-1, 60)]
    [InlineData(10, 10)]
    [InlineData(30, 20)]
    public void A_service_must_be_stamped_before_it_can_count_as_down(int reportSeconds, int downSeconds) =>
        ServiceOptions.IsValid(new ServiceOptions { ReportInterval = TimeSpan.FromSeconds(reportSeconds), DownAfter = TimeSpan.FromSeconds(downSeconds) })
            .ShouldBeFalse();

    [Fact]
    public void A_service_is_up_until_its_heartbeat_is_older_than_down_after()
    {
        var stamped = new DateTime(2026, 11, 25, 6, 0, 0, DateTimeKind.Utc);
        var service = new ServiceRecord { UpdatedAt = stamped };
        service.IsUp(stamped.AddSeconds(60), TimeSpan.FromSeconds(60)).ShouldBeTrue();
        service.IsUp(stamped.AddSeconds(60.001), TimeSpan.FromSeconds(60)).ShouldBeFalse();
    }
}
