using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class ExtendChargeOnlyWhileExtending : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // extending_to now means "an extend runs and has charged its growth": a failed extend used to give the growth
            // back and leave the column set. Cleared, so that a later delete does not give it back a second time.
            migrationBuilder.Sql("UPDATE blockstore.volumes SET extending_to = NULL WHERE status <> 'extending' AND extending_to IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
