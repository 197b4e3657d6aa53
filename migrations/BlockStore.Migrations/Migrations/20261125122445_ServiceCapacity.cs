using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace BlockStore.Migrations.Migrations
{
    /// <inheritdoc />
    public partial class ServiceCapacity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "free_bytes",
                schema: "blockstore",
                table: "services",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "total_bytes",
                schema: "blockstore",
                table: "services",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "free_bytes",
                schema: "blockstore",
                table: "services");

            migrationBuilder.DropColumn(
                name: "total_bytes",
                schema: "blockstore",
                table: "services");
        }
    }
}
