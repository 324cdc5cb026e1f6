import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TaxpayersModule } from '../taxpayers/taxpayers.module';
import { AdminLists, AdminListsController } from './admin-lists';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { SessionUsers } from './session-users';
import { SetupController } from './setup.controller';
import { SetupService } from './setup.service';

@Module({
  imports: [TaxpayersModule],
  controllers: [AuthController, AdminListsController, SetupController],
  providers: [AuthService, AdminLists, SessionUsers, SetupService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
